#!/usr/bin/env python3
"""Writes the fuzz seed corpus (Tests/Fuzz/corpus) from examples/demo-namespace.

Each seed is one input of Sources/kubevirt-fuzz: a target byte, then the target's input. The corpus is committed
(make test replays it); run this again when the examples change: python3 Tests/Fuzz/make-seeds.py
"""
import json, os, sys
import yaml  # PyYAML

root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
out = os.path.join(root, "Tests", "Fuzz", "corpus")
os.makedirs(out, exist_ok=True)

def write(name, data):
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)

def field(number, payload):
    """A length-delimited protobuf field."""
    key, length, out_bytes = (number << 3) | 2, len(payload), b""
    for value in (key, length):
        while True:
            byte = value & 0x7F
            value >>= 7
            out_bytes += bytes([byte | (0x80 if value else 0)])
            if not value:
                break
    return out_bytes + payload

objects = []
for example in ("demo-namespace", "operations-namespace"):
    directory = os.path.join(root, "examples", example)
    for name in sorted(os.listdir(directory)):
        with open(os.path.join(directory, name)) as f:
            objects += [o for o in yaml.safe_load_all(f) if o]

backup = b'{"apiVersion":"velero.io/v1","kind":"Backup","spec":{"includedNamespaces":["demo"]}}'
restore = b'{"apiVersion":"velero.io/v1","kind":"Restore","metadata":{"labels":{"velero.kubevirt.io/clear-mac-address":""}}}'
# Action order of the fuzz target: 5 backup actions, 16 restore actions sorted by name (ControllerRevision 5, ...,
# operation objects 10-13 and 15-17, the pool 14, VM 18), the ItemBlockAction 21.
actions = {"ControllerRevision": [5], "DataVolume": [0, 6], "NetworkAttachmentDefinition": [7],
           "PersistentVolumeClaim": [0, 1, 9], "VirtualMachine": [2, 18, 21], "VirtualMachineInstance": [3, 19],
           "VolumeSnapshot": [4, 20], "Pod": [8], "VirtualMachineBackup": [10], "VirtualMachineClone": [11],
           "VirtualMachineExport": [12], "VirtualMachinePool": [14], "VirtualMachineRestore": [15],
           "VirtualMachineSnapshot": [16], "VirtualMachineSnapshotContent": [17]}
for obj in objects:
    kind, name = obj["kind"], obj["metadata"]["name"]
    item = json.dumps(obj, sort_keys=True, separators=(",", ":")).encode()
    write(f"json-{kind}-{name}", b"\x01" + item)
    for index in actions.get(kind, []):
        write(f"action{index}-{kind}-{name}", b"\x02" + bytes([index, 0 if index < 5 or index == 21 else 2]) + item)
    if kind in ("VirtualMachine", "PersistentVolumeClaim"):
        write(f"protobuf-backup-{kind}-{name}", b"\x00" + field(1, b"kubevirt-velero-plugin/backup-pvc-action") + field(2, item) + field(3, backup))
        write(f"protobuf-restore-{kind}-{name}", b"\x00" + field(1, b"kubevirt-velero-plugin/restore-vm-action") + field(2, item) + field(3, restore) + field(4, item))

write("protobuf-appliesto", b"\x00" + field(1, b"kubevirt-velero-plugin/backup-virtualmachine-action"))
write("kubeconfig-token", b"\x03" + b"""apiVersion: v1
kind: Config
current-context: c
contexts: [{name: c, context: {cluster: k, user: u, namespace: demo}}]
clusters: [{name: k, cluster: {server: "https://[fd00::1]:6443", insecure-skip-tls-verify: true}}]
users: [{name: u, user: {token: abc}}]
""")
write("kubeconfig-block", b"\x03" + b"""apiVersion: v1
kind: Config
clusters:
- cluster:
    certificate-authority-data: bm90IGEgY2VydA==
    server: https://10.0.0.1:6443
  name: prod
contexts:
- context:
    cluster: prod
    user: admin
  name: admin@prod
current-context: admin@prod
users:
- name: admin
  user:
    exec:
      command: oc
""")
print(f"wrote {len(os.listdir(out))} seeds to {out}")
