"""Writes expected.json: what the netCDF project's own `ncdump` reads from simulated-3.nc.

ECGTaskDatasetTests.formatVersion1StillReads compares ECGDataset's reading of this version-1 file with these
numbers, so the check is independent of our reader and of today's simulator (whose records have changed since the
file was written at commit a22bb65). Run from this directory: python3 make_expected.py (needs ncdump on PATH).
Per record: the Dx codes, the multi-hot label row and, per lead, the sum and sum of squares of the stored int16
microvolts; for record 1 also the first 250 stored samples of every lead.
"""
import json
import re
import subprocess


def variable(dump, name):
    """The comma-separated values of `name` in ncdump's data section, as strings."""
    match = re.search(r"\n %s =(.*?);" % name, dump, re.S)
    text = match.group(1).replace("\n", " ").replace("{", "").replace("}", "")  # rows along an unlimited dimension
    return [value.strip() for value in text.split(",") if value.strip()]


dump = subprocess.run(["ncdump", "-v", "signal,record_offset,record_length,dx_codes,label", "simulated-3.nc"],
                      check=True, capture_output=True, text=True).stdout
dump = dump[dump.index("\ndata:"):]
offsets = [int(v) for v in variable(dump, "record_offset")]
lengths = [int(v) for v in variable(dump, "record_length")]
dx = re.findall(r'"([^"]*)"', re.search(r"\n dx_codes =(.*?);", dump, re.S).group(1))
labels = [int(v) for v in variable(dump, "label")]
signal = [int(v) for v in variable(dump, "signal")]
leads, classes = 12, len(labels) // len(offsets)
samples = len(signal) // leads
rows = [signal[lead * samples:(lead + 1) * samples] for lead in range(leads)]
records = []
for index, (offset, length) in enumerate(zip(offsets, lengths)):
    stretch = [row[offset:offset + length] for row in rows]
    records.append({
        "dx_codes": dx[index].split(","),
        "label": labels[index * classes:(index + 1) * classes],
        "lead_sums": [sum(values) for values in stretch],
        "lead_sums_of_squares": [sum(v * v for v in values) for values in stretch],
        "first_samples": [values[:250] for values in stretch] if index == 1 else None,
    })
with open("expected.json", "w") as file:
    json.dump({"source": "ncdump -v signal,record_offset,record_length,dx_codes,label simulated-3.nc",
               "records": records}, file, separators=(",", ":"))
