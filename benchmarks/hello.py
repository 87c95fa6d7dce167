"""A bare Flask "hello": the ceiling of the machine under the same gunicorn settings."""

from flask import Flask

app = Flask(__name__)


@app.route("/")
def hello():
    return "hello"
