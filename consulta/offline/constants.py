#: The most data rows an import of offline contributions reads: a file with more is
#: refused as soon as the row after the limit is read (split it in several files).
IMPORT_MAX_ROWS = 2000
#: The largest file accepted for an import (bytes, as uploaded).
IMPORT_MAX_BYTES = 5 * 1024 * 1024
#: The most an XLSX workbook may weigh once uncompressed (a zip bomb is refused before
#: anything is read).
IMPORT_MAX_UNCOMPRESSED = 25 * 1024 * 1024
#: How long an uploaded file waits for its confirmation before it is forgotten (hours).
IMPORT_KEEP_HOURS = 24

#: Words read as "yes" and "no" in the consent and outside-window columns.
YES = {"sí", "si", "s", "yes", "y", "x", "1", "true", "verdadero"}
NO = {"no", "n", "0", "false", "falso"}

#: Channel names as people write them in a spreadsheet → channel codes.
CHANNEL_ALIASES = {
    "taller": "workshop", "taller presencial": "workshop", "workshop": "workshop",
    "mesa de trabajo": "work_table", "mesa": "work_table", "work table": "work_table",
    "correo": "email", "correo electrónico": "email", "correo electronico": "email",
    "e-mail": "email", "email": "email",
    "escrito": "written", "documento escrito": "written", "carta": "written",
    "written": "written", "letter": "written",
    "formulario externo": "web", "web": "web",
    "otro": "other", "other": "other",
}

#: Kind names as people write them → kind codes.
KIND_ALIASES = {"propuesta": "proposal", "proposal": "proposal",
                "comentario": "comment", "comment": "comment"}
