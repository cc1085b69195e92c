"""Writes sim40-records/: the first 400 samples of the 40 simulated records (seed 1) the format-1 fixture was
evaluated on, as the simulator of commit a22bb65 (and of main up to issue 16) drew them.

The simulator has since changed (issue 16 draws all 24 scored classes), so `prepare --simulated 40 --seed 1` no
longer gives those records; the checkpoint reads only each record's first window of 400 samples, so those
samples (and the Dx codes) are all its evaluation depends on. Run with such a binary's `synth` output:
  dist-train synth --out /tmp/sim40 --records 40 --seed 1 && python make_sim40_records.py /tmp/sim40
"""
import pathlib
import struct
import sys

LENGTH = 400
source = pathlib.Path(sys.argv[1])
target = pathlib.Path(__file__).parent / "sim40-records"
target.mkdir(exist_ok=True)
for header in sorted(source.glob("SIM*.hea")):
    raw = (source / (header.stem + ".mat")).read_bytes()
    kind, rows, columns, imaginary, name_length = struct.unpack("<5i", raw[:20])
    data = raw[20 + name_length:]
    kept = data[: rows * LENGTH * 2]  # column-major: samples one after another, 12 leads each
    (target / (header.stem + ".mat")).write_bytes(
        struct.pack("<5i", kind, rows, LENGTH, imaginary, name_length) + raw[20:20 + name_length] + kept)
    values = struct.unpack(f"<{rows * LENGTH}h", kept)
    lines = header.read_text().splitlines()
    first = lines[0].split()
    first[3] = str(LENGTH)
    out = [" ".join(first)]
    for lead, line in enumerate(lines[1:1 + rows]):
        fields = line.split()
        samples = values[lead::rows]
        checksum = sum(samples) % 65536
        if checksum >= 32768:
            checksum -= 65536
        fields[5] = str(samples[0])
        fields[6] = str(checksum)
        out.append(" ".join(fields))
    out += lines[1 + rows:]
    (target / header.name).write_text("\n".join(out) + "\n")
