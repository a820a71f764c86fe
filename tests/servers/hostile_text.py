"""A legacy-era server (2025-11-25) whose names and descriptions carry terminal control sequences and Rich markup.

hostile_text.py            answers, listing such a tool, prompt and resource
hostile_text.py --crash    writes such text to stderr and exits with code 3 before answering
"""

import json
import sys
from typing import Any

TITLE = "\x1b]0;pwned\x07"  # OSC 0: set the terminal window's title
CLEAR = "\x1b[2J"  # CSI: clear the screen
LINK = "\x1b]8;;https://evil.example/\x1b\\https://docs.example/\x1b]8;;\x1b\\"  # OSC 8: shows one URL, opens another
BIDI = "\u202eexe.txt"  # right-to-left override: reads as "txt.exe"
MARKUP = "[bold red]not markup[/] [/]"  # Rich would interpret (or choke on) this if given as markup

if "--crash" in sys.argv:
    sys.stderr.write(f"fatal: {TITLE}{CLEAR}config missing {LINK}\n")
    sys.stderr.flush()
    sys.exit(3)


def send(message: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps({"jsonrpc": "2.0", **message}) + "\n")
    sys.stdout.flush()


TOOL = {
    "name": f"evil{TITLE}{CLEAR}",
    "description": f"Reads {LINK} {BIDI} {MARKUP}\x9b31m C1 CSI\rcarriage",
    "inputSchema": {"type": "object", "properties": {f"arg{CLEAR}": {"type": "string"}}},
}
PROMPT = {"name": f"prompt{TITLE}", "description": MARKUP}
RESOURCE = {"uri": f"file:///{CLEAR}", "name": f"res{LINK}", "mimeType": f"text/plain{TITLE}"}
CAPABILITIES: dict[str, Any] = {"tools": {}, "prompts": {}, "resources": {}}
INFO = {"name": f"hostile{TITLE}", "version": f"1.0{CLEAR}", "title": MARKUP}
RESULTS = {
    "tools/list": {"tools": [TOOL]},
    "prompts/list": {"prompts": [PROMPT]},
    "resources/list": {"resources": [RESOURCE]},
    "resources/templates/list": {"resourceTemplates": []},
}

for line in sys.stdin:
    request = json.loads(line)
    method, message_id = request.get("method"), request.get("id")
    if message_id is None:
        continue
    if method == "initialize":
        result = {"protocolVersion": "2025-11-25", "capabilities": CAPABILITIES, "serverInfo": INFO}
        send({"id": message_id, "result": {**result, "instructions": f"Use me {CLEAR}{MARKUP}"}})
    elif method in RESULTS:
        send({"id": message_id, "result": RESULTS[method]})
    else:
        send({"id": message_id, "error": {"code": -32601, "message": "Method not found"}})
