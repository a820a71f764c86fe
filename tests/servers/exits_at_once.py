"""A server that dies at start-up, as one missing its configuration would."""

import sys

print("fatal: NOTES_DB_URL is not set; cannot open the notes database", file=sys.stderr)
sys.exit(3)
