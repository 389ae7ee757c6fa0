"""Where boto3's client CPU goes in one DeleteObjects of 1,000 keys (LocalDeleteObject's call).

No server: the call is answered in-process (before-send hook) with a 1,000-item
DeleteResult, so only the client's work is timed: botocore's XML serialiser, its
parser, and the whole boto3 call around them. A lean DeleteObjects that stays exactly
boto3's would keep the serialiser and the parser; what it could save is the rest.

    python bench/bench_delete_cpu.py [--rounds 20]
"""

from __future__ import annotations

import argparse
import time

import boto3
from botocore.awsrequest import AWSResponse
from botocore.parsers import create_parser
from botocore.serialize import create_serializer

KEYS = 1000


def _cpu_ms(rounds: int, work) -> float:
    """Mean CPU ms of one `work()` call (single thread)."""
    start = time.process_time()
    for _ in range(rounds):
        work()
    return (time.process_time() - start) / rounds * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    rounds = parser.parse_args().rounds
    client = boto3.client("s3", region_name="us-east-1", aws_access_key_id="a", aws_secret_access_key="b",
                          endpoint_url="http://127.0.0.1:9")  # fmt: skip (never contacted)
    model = client.meta.service_model.operation_model("DeleteObjects")
    delete = {"Objects": [{"Key": f"data/{i % 50:02d}/object {i:06d}.bin"} for i in range(KEYS)], "Quiet": False}
    answer = ('<?xml version="1.0" encoding="UTF-8"?><DeleteResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">'
              + "".join(f"<Deleted><Key>{o['Key']}</Key></Deleted>" for o in delete["Objects"])
              + "</DeleteResult>").encode()  # fmt: skip

    class _Body:
        def stream(self, **_):
            yield answer

    client.meta.events.register_first("before-send.s3.DeleteObjects",
                                      lambda request, **_: AWSResponse(request.url, 200, {}, _Body()))  # fmt: skip
    serializer, xml_parser = create_serializer("rest-xml"), create_parser("rest-xml")
    costs = {
        "botocore serialiser": _cpu_ms(rounds, lambda: serializer.serialize_to_request(
            {"Bucket": "b", "Delete": delete}, model)),  # fmt: skip
        "botocore parser": _cpu_ms(rounds, lambda: xml_parser.parse(
            {"status_code": 200, "headers": {}, "body": answer}, model.output_shape)),  # fmt: skip
        "whole boto3 call": _cpu_ms(rounds, lambda: client.delete_objects(Bucket="b", Delete=delete)),
    }
    print(f"DeleteObjects of {KEYS} keys, client CPU, mean of {rounds} calls (no network)")
    for label, ms in costs.items():
        print(f"  {label:20}: {ms:6.2f} ms per call, {ms / KEYS * 1000:5.1f} us per key")
    rest = costs["whole boto3 call"] - costs["botocore serialiser"] - costs["botocore parser"]
    print(f"  {'the rest':20}: {rest:6.2f} ms per call, {rest / KEYS * 1000:5.1f} us per key")


if __name__ == "__main__":
    main()
