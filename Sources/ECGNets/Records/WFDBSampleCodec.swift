/// Converts between interleaved WFDB sample bytes (format 16 and 212) and per-signal int16 arrays.
///
/// "Interleaved" is WFDB's frame order, which is also the column-major order of the Challenge's leads x samples
/// MAT matrix: sample `s` of signal `k` of `n` signals is element `s * n + k` of the file's sample stream.
/// Callers check the byte counts first; these functions only read and write within the given sizes.
enum WFDBSampleCodec {
    /// De-interleaves 16-bit samples starting at `offset` into `signalCount` arrays of `sampleCount` samples.
    static func decode16(_ bytes: UnsafeRawBufferPointer, offset: Int, signalCount: Int, sampleCount: Int,
                         bigEndian: Bool = false) -> [[Int16]] {
        (0..<signalCount).map { signal in
            [Int16](unsafeUninitializedCapacity: sampleCount) { output, initialized in
                var position = offset + 2 * signal
                let frameBytes = 2 * signalCount
                for sample in 0..<sampleCount {
                    let raw = bytes.loadUnaligned(fromByteOffset: position, as: Int16.self)
                    output[sample] = bigEndian ? Int16(bigEndian: raw) : Int16(littleEndian: raw)
                    position += frameBytes
                }
                initialized = sampleCount
            }
        }
    }

    /// De-interleaves 12-bit format 212 samples (two samples in three bytes: the first in byte 0 and the low nibble
    /// of byte 1, the second in byte 2 and the high nibble of byte 1), sign-extended to int16.
    static func decode212(_ bytes: UnsafeRawBufferPointer, offset: Int, signalCount: Int,
                          sampleCount: Int) -> [[Int16]] {
        (0..<signalCount).map { signal in
            [Int16](unsafeUninitializedCapacity: sampleCount) { output, initialized in
                for sample in 0..<sampleCount {
                    let index = sample * signalCount + signal
                    let base = offset + 3 * (index >> 1)
                    let middle = Int32(bytes[base + 1])
                    let value = index & 1 == 0
                        ? Int32(bytes[base]) | (middle & 0x0F) << 8
                        : Int32(bytes[base + 2]) | (middle & 0xF0) << 4
                    output[sample] = Int16(truncatingIfNeeded: (value << 20) >> 20)
                }
                initialized = sampleCount
            }
        }
    }

    /// Interleaves equally long signals as little-endian 16-bit samples (format 16, MAT v4 column-major order).
    static func encode16(_ signals: [[Int16]], into output: UnsafeMutableRawBufferPointer) {
        let signalCount = signals.count
        for (signal, samples) in signals.enumerated() {
            samples.withUnsafeBufferPointer { samples in
                var position = 2 * signal
                for value in samples {
                    output.storeBytes(of: value.littleEndian, toByteOffset: position, as: Int16.self)
                    position += 2 * signalCount
                }
            }
        }
    }
}
