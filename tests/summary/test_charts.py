"""Charts drawn on the server as SVG."""

import re

from consulta.summary.charts import MAX_BARS, bar_chart


def test_a_figure_with_many_categories_charts_the_largest_and_tables_them_all(app):
    items = [(f"Compromiso {n}", n) for n in range(1, 41)]
    with app.test_request_context():
        svg = str(bar_chart("Por compromiso", items))
    assert svg.count("<rect") == MAX_BARS
    labels = re.findall(r'class="l">([^<]+)<', svg)
    assert labels == [f"Compromiso {n}" for n in range(41 - MAX_BARS, 41)]
    assert "Por compromiso: los 15 mayores; la tabla los muestra todos." in svg
