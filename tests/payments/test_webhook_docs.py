"""The "verify our webhook signature" snippets of docs/webhooks.md work on a real delivery's bytes."""

import json
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from payments.webhooks.signing import signature_header

DOC = Path(__file__).resolve().parents[2] / "docs" / "webhooks.md"
BODY = json.dumps({"order_id": "o_1", "event": "payments.konbini.complete", "amount": "1500"}).encode()


def _block(language: str) -> str:
    return re.findall(rf"```{language}\n(.*?)```", DOC.read_text(), re.S)[0]


def _cases() -> list[tuple[str, bool]]:
    now = int(time.time())
    return [
        (signature_header(BODY, ["whsec_right"]), True),
        (signature_header(BODY, ["whsec_old", "whsec_right"]), True),  # during a rotation
        (signature_header(BODY, ["whsec_wrong"]), False),
        (signature_header(BODY, ["whsec_right"], timestamp=now - 3600), False),  # replayed
        ("v1=abc", False),
        ("", False),
    ]


def test_python_snippet():
    namespace: dict = {}
    exec(compile(_block("python"), str(DOC), "exec"), namespace)  # noqa: S102 -- our own documentation
    for header, expected in _cases():
        assert namespace["verify_webhook"](BODY, header, "whsec_right") is expected, header
        assert namespace["verify_webhook"](BODY + b" ", header, "whsec_right") is False


def test_node_snippet(tmp_path):
    if shutil.which("node") is None:
        pytest.skip("node is not installed")
    (tmp_path / "verify.js").write_text(_block("js"))
    cases = [{"header": h, "expected": e} for h, e in _cases()]
    script = f"""
const {{ verifyWebhook }} = require("./verify.js");
const body = Buffer.from({json.dumps(BODY.decode())}, "utf8");
const results = {json.dumps(cases)}.map((c) => verifyWebhook(body, c.header, "whsec_right") === c.expected);
const tampered = verifyWebhook(Buffer.concat([body, Buffer.from(" ")]), {json.dumps(cases[0]["header"])}, "whsec_right");
console.log(JSON.stringify({{ results, tampered }}));
"""
    (tmp_path / "run.js").write_text(script)
    out = subprocess.run(
        ["node", "run.js"], cwd=tmp_path, capture_output=True, text=True, check=True, timeout=30
    )
    answer = json.loads(out.stdout)
    assert answer == {"results": [True] * len(cases), "tampered": False}
