"""Producer and trigger agree on the message encoding, through a real Azurite queue.

host.json says messageEncoding=base64; the Functions host base64-decodes the raw queue text
before handing it to deliver_notification. We read the raw text without any SDK policy and
decode it exactly that way.
"""

import base64
import json
import uuid
from pathlib import Path

from azure.storage.queue import QueueClient

from shared.bootstrap import queue_client
from shared.notifications.queue import StorageQueue, decode_message
from shared.settings import StorageSettings


def test_sent_message_decodes_as_the_trigger_does(azurite):
    name = f"enc-{uuid.uuid4().hex[:8]}"
    producer = queue_client(StorageSettings(connection_string=azurite.connection_string), name)
    producer.create_queue()
    StorageQueue(producer).send("partner-1", "event-ä-1")
    StorageQueue(producer).send_batch("partner-1", ["d-1", "d-ü-2"])

    raw_reader = QueueClient.from_connection_string(azurite.connection_string, name)
    messages = list(raw_reader.receive_messages(max_messages=2))
    encoding = json.loads(Path("host.json").read_text())["extensions"]["queues"]["messageEncoding"]
    assert encoding == "base64"
    texts = [base64.b64decode(m.content).decode("utf-8") for m in messages]
    assert [decode_message(t) for t in texts] == [("partner-1", ["event-ä-1"], 1),
                                                  ("partner-1", ["d-1", "d-ü-2"], 1)]
