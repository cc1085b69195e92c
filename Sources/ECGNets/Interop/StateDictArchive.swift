import DistTensor
import Foundation

/// A model's parameters and buffers as a NumPy `.npz` file: one `.npy` array per tensor under its PyTorch
/// `state_dict` name, so `{k: torch.from_numpy(v) for k, v in numpy.load(path).items()}` goes straight into
/// `torch.nn.Module.load_state_dict`.
///
/// Why `.npz` rather than `.safetensors`: numpy (which every PyTorch install has) reads it with no further
/// package, and the format is a stored (uncompressed) zip of `.npy` files, both small, fixed public formats
/// (PKZIP APPNOTE 4.3, NumPy's NEP 1). BatchNorm's `num_batches_tracked` is written as int64 with the
/// checkpoint's global step, which is what PyTorch counts (one training forward per step), so a strict
/// `load_state_dict` finds every key it expects.
public enum StateDictArchive {
    /// The `.npz` bytes of `store` (float32 tensors in state_dict order), with `numBatchesTracked` for every
    /// BatchNorm (each entry named `<prefix>.running_mean`).
    public static func npz(of store: ParameterStore, numBatchesTracked: Int) -> Data {
        var archive = ZipArchive()
        for entry in store.layout.entries {
            archive.add(name: entry.name + ".npy",
                        contents: npy(descriptor: "<f4", shape: entry.shape, payload: Data(buffer: store.storage(of: entry))))
            if entry.name.hasSuffix(".running_var") {
                let prefix = entry.name.dropLast(".running_var".count)
                var count = Data()
                count.appendLittleEndian(Int64(numBatchesTracked))
                archive.add(name: prefix + ".num_batches_tracked.npy", contents: npy(descriptor: "<i8", shape: [], payload: count))
            }
        }
        return archive.finished()
    }

    /// One `.npy` (format 1.0): magic, header length, a Python dict literal padded with spaces to a multiple of
    /// 64 bytes and ended by a newline, then the little-endian C-order data.
    static func npy(descriptor: String, shape: [Int], payload: Data) -> Data {
        let dimensions = shape.count == 1 ? "\(shape[0])," : shape.map(String.init).joined(separator: ", ")
        var header = "{'descr': '\(descriptor)', 'fortran_order': False, 'shape': (\(dimensions)), }"
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var data = Data([0x93] + Array("NUMPY".utf8) + [1, 0])
        data.appendLittleEndian(UInt16(header.utf8.count))
        data.append(contentsOf: header.utf8)
        data.append(payload)
        return data
    }
}

/// A zip archive of stored (uncompressed) files, each with its CRC-32: local headers and contents, then the
/// central directory and its end record. Sizes and offsets are 32-bit (no zip64): `add` refuses beyond 4 GiB.
struct ZipArchive {
    private var data = Data()
    private var directory = Data()
    private var count = 0

    mutating func add(name: String, contents: Data) {
        precondition(data.count + contents.count < Int(UInt32.max), "state-dict archive over 4 GiB needs zip64")
        let crc = CRC32.ieee.checksum(contents)
        let offset = UInt32(data.count)
        let nameBytes = Data(name.utf8)
        // Version 2.0, no flags, method 0 (stored), time 00:00, date 1980-01-01.
        func common(_ record: inout Data) {
            record.appendLittleEndian(UInt16(20))
            record.appendLittleEndian(UInt16(0))
            record.appendLittleEndian(UInt16(0))
            record.appendLittleEndian(UInt16(0))
            record.appendLittleEndian(UInt16(0x21))
            record.appendLittleEndian(crc)
            record.appendLittleEndian(UInt32(contents.count))
            record.appendLittleEndian(UInt32(contents.count))
            record.appendLittleEndian(UInt16(nameBytes.count))
            record.appendLittleEndian(UInt16(0))
        }
        data.appendLittleEndian(UInt32(0x0403_4B50))
        common(&data)
        data.append(nameBytes)
        data.append(contents)

        directory.appendLittleEndian(UInt32(0x0201_4B50))
        directory.appendLittleEndian(UInt16(20))  // made by: version 2.0, MS-DOS attributes
        common(&directory)
        directory.appendLittleEndian(UInt16(0))  // comment length
        directory.appendLittleEndian(UInt16(0))  // disk number
        directory.appendLittleEndian(UInt16(0))  // internal attributes
        directory.appendLittleEndian(UInt32(0))  // external attributes
        directory.appendLittleEndian(offset)
        directory.append(nameBytes)
        count += 1
    }

    /// The whole archive: entries, central directory, end of central directory record.
    func finished() -> Data {
        var result = data
        result.append(directory)
        result.appendLittleEndian(UInt32(0x0605_4B50))
        result.appendLittleEndian(UInt16(0))
        result.appendLittleEndian(UInt16(0))
        result.appendLittleEndian(UInt16(count))
        result.appendLittleEndian(UInt16(count))
        result.appendLittleEndian(UInt32(directory.count))
        result.appendLittleEndian(UInt32(data.count))
        result.appendLittleEndian(UInt16(0))
        return result
    }
}
