"""The quick start works as written: its curl commands and its Node.js script, copied from
docs/guide/quickstart.md with only the address and the keys changed, take a payment."""

import os
import re
import shutil
import subprocess

import pytest

from payments.models import Payment
from tests.contract.conftest import HERE
from tests.support import make_merchant

pytestmark = pytest.mark.django_db(transaction=True)

QUICKSTART = HERE.parent.parent / "docs" / "guide" / "quickstart.md"


def _blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", QUICKSTART.read_text(), re.S)


def test_the_quick_start_curl_commands_take_a_payment(sdk_server):
    for tool in ("curl", "jq", "bash"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is not installed: the quick start's commands need it")
    shop = make_merchant(name="Quick start shop")
    script = next(b for b in _blocks("sh") if "BASE=" in b)
    # The reader's only edits: their server and their keys.
    script = re.sub(r"^BASE=.*$", f"BASE={sdk_server}", script, flags=re.M)
    script = re.sub(r"^SECRET=.*$", f"SECRET={shop.test_secret}", script, flags=re.M)
    script = re.sub(r"^PUBLIC=.*$", f"PUBLIC={shop.test_public}", script, flags=re.M)
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.strip().splitlines()
    assert re.match(r"registered \S+: UNPROCESSED$", lines[0]), lines
    assert '"status": "CAPTURED"' in done.stdout
    assert lines[-1] == "CAPTURED"
    payment = Payment.objects.get(merchant=shop.merchant)
    assert (payment.status, payment.amount, payment.pay_type) == ("CAPTURED", 1000, "Card")
    assert "4111111111111111" not in done.stdout


def test_the_quick_start_node_script_takes_a_payment(sdk_server, tmp_path):
    shop = make_merchant(name="Quick start Node shop")
    (script,) = (b for b in _blocks("js") if "createFincode" in b)
    path = tmp_path / "quickstart.js"
    path.write_text(script)
    done = subprocess.run(
        ["node", str(path)],
        cwd=tmp_path,
        env={
            "PATH": os.environ.get("PATH", "/usr/local/bin:/usr/bin:/bin"),
            # `npm install @fincode/node node-fetch@2` as the guide says: the contract tests' copy
            "NODE_PATH": str(HERE / "node_modules"),
            "PORTAL_URL": sdk_server,
            "SECRET_KEY": shop.test_secret,
            "PUBLIC_KEY": shop.test_public,
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    first, second = done.stdout.strip().splitlines()
    assert first.endswith(" AUTHORIZED") and second.endswith(" CAPTURED")
    payment = Payment.objects.get(merchant=shop.merchant)
    assert (payment.order_id, payment.status, payment.amount) == (first.split()[0], "CAPTURED", 2500)
