import Foundation

/// The header of a MAT-file version 4 holding one full int16 matrix, as the PhysioNet/Challenge `.mat` signal
/// files do: five int32 words (type, rows, columns, imaginary flag, name length), the NUL-terminated name, then
/// the column-major data (MATLAB "MAT-File Format", Level 4).
///
/// The type word is `M*1000 + O*100 + P*10 + T`: M the byte order (0 little-, 1 big-endian), O always 0, P the
/// element type (3 = int16), T the matrix kind (0 = full numeric).
struct MATv4Int16Matrix: Equatable {
    var name: String
    var rows: Int
    var columns: Int
    /// Byte position of the first element: 20 + the name length (24 for `val`).
    var dataOffset: Int
    var isBigEndian: Bool

    /// The matrix name the Challenge files use.
    static let challengeName = "val"
    private static let headerBytes = 20
    private static let int16ElementType = 3
    private static let encodedName = Array(challengeName.utf8) + [0]
    /// Where `encode` puts the first element: after the header and `val` with its NUL (24).
    static let encodedDataOffset = headerBytes + encodedName.count

    /// Parses and validates the header against the file's length; `file` names the file in errors.
    static func parse(_ bytes: UnsafeRawBufferPointer, file: URL) throws(WFDBRecordError) -> MATv4Int16Matrix {
        guard bytes.count >= headerBytes else {
            throw .invalidMATHeader(file, reason: "the file has \(bytes.count) bytes, fewer than the 20-byte header")
        }
        func word(_ index: Int, bigEndian: Bool) -> Int {
            let raw = bytes.loadUnaligned(fromByteOffset: 4 * index, as: Int32.self)
            return Int(bigEndian ? Int32(bigEndian: raw) : Int32(littleEndian: raw))
        }
        let littleType = word(0, bigEndian: false), bigType = word(0, bigEndian: true)
        let isBigEndian: Bool, type: Int
        if (0..<1000).contains(littleType) {
            (isBigEndian, type) = (false, littleType)
        } else if (1000..<2000).contains(bigType) {
            (isBigEndian, type) = (true, bigType - 1000)
        } else {
            throw .invalidMATHeader(file, reason: "type word \(littleType) is not a MAT v4 type (little- or big-endian "
                + "IEEE)")
        }
        guard type / 100 == 0, (type / 10) % 10 == int16ElementType, type % 10 == 0 else {
            throw .invalidMATHeader(file, reason: "type \(type) is not a full int16 matrix (type 30)")
        }
        let rows = word(1, bigEndian: isBigEndian), columns = word(2, bigEndian: isBigEndian)
        let imaginary = word(3, bigEndian: isBigEndian), nameLength = word(4, bigEndian: isBigEndian)
        guard rows >= 0, columns >= 0 else {
            throw .invalidMATHeader(file, reason: "negative matrix size \(rows) x \(columns)")
        }
        guard imaginary == 0 else { throw .invalidMATHeader(file, reason: "the matrix is complex") }
        guard nameLength >= 1, headerBytes + nameLength <= bytes.count else {
            throw .invalidMATHeader(file, reason: "name length \(nameLength) does not fit the file's \(bytes.count) bytes")
        }
        let nameBytes = UnsafeRawBufferPointer(rebasing: bytes[headerBytes..<(headerBytes + nameLength)])
        let name = String(decoding: nameBytes.prefix(while: { $0 != 0 }), as: UTF8.self)
        guard name == challengeName else {
            throw .invalidMATHeader(file, reason: "the matrix is named \"\(name)\", not \"\(challengeName)\"")
        }
        let dataOffset = headerBytes + nameLength
        let (elements, overflow) = rows.multipliedReportingOverflow(by: columns)
        guard !overflow, elements <= (Int.max - dataOffset) / 2 else {
            throw .invalidMATHeader(file, reason: "matrix size \(rows) x \(columns) is impossibly large")
        }
        let expectedBytes = dataOffset + 2 * elements
        guard expectedBytes == bytes.count else {
            throw .matFileSizeMismatch(file, expectedBytes: expectedBytes, actualBytes: bytes.count)
        }
        return MATv4Int16Matrix(name: name, rows: rows, columns: columns, dataOffset: dataOffset,
                                isBigEndian: isBigEndian)
    }

    /// A little-endian MAT v4 file holding `signals` (equally long, one row each) as the `val` matrix.
    static func encode(_ signals: [[Int16]]) -> Data {
        let rows = signals.count, columns = signals.first?.count ?? 0
        let name = encodedName, dataOffset = encodedDataOffset
        var data = Data(count: dataOffset + 2 * rows * columns)
        data.withUnsafeMutableBytes { output in
            let header = [Int32(10 * int16ElementType), Int32(rows), Int32(columns), 0, Int32(name.count)]
            for (index, value) in header.enumerated() {
                output.storeBytes(of: value.littleEndian, toByteOffset: 4 * index, as: Int32.self)
            }
            output.baseAddress?.advanced(by: headerBytes).copyMemory(from: name, byteCount: name.count)
            WFDBSampleCodec.encode16(signals, into: UnsafeMutableRawBufferPointer(rebasing: output[dataOffset...]))
        }
        return data
    }
}
