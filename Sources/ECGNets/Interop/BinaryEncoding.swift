import Foundation

/// The byte-level pieces the interchange writers share (state-dict `.npz`, TensorBoard event files, ONNX): CRC-32
/// in its two polynomials, little-endian integers, and one protobuf encoder. Written from the formats' public
/// definitions (PKZIP APPNOTE, RFC 3720 for CRC-32C, protobuf's encoding guide); no generated code.
public struct CRC32: Sendable {
    /// Reflected generator polynomial: 0xEDB88320 is IEEE 802.3's (zip, PNG), 0x82F63B78 Castagnoli's (TFRecord).
    public let polynomial: UInt32
    private let table: [UInt32]

    public static let ieee = CRC32(polynomial: 0xEDB8_8320)
    public static let castagnoli = CRC32(polynomial: 0x82F6_3B78)

    public init(polynomial: UInt32) {
        self.polynomial = polynomial
        table = (0..<256).map { index in
            var crc = UInt32(index)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ polynomial : crc >> 1 }
            return crc
        }
    }

    /// The checksum of `bytes` (initial value and final xor 0xFFFFFFFF, as both standards use).
    public func checksum<Bytes: Sequence>(_ bytes: Bytes) -> UInt32 where Bytes.Element == UInt8 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes { crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        return crc ^ 0xFFFF_FFFF
    }
}

extension Data {
    /// Appends `value` as little-endian bytes.
    mutating func appendLittleEndian<T: FixedWidthInteger>(_ value: T) {
        var little = value.littleEndian
        Swift.withUnsafeBytes(of: &little) { append(contentsOf: $0) }
    }
}

/// A protobuf message being encoded: fields appended in order, nested messages as length-delimited bytes. Only the
/// wire types the writers need (varint, 32- and 64-bit, length-delimited); default values are written when asked,
/// which protobuf readers accept.
public struct ProtobufMessage: Sendable {
    public private(set) var bytes = Data()

    public init() {}

    /// Builds a message with `body` (for nesting: `message(3) { $0.string(1, "x") }`).
    public init(_ body: (inout ProtobufMessage) -> Void) {
        body(&self)
    }

    private mutating func varint(_ value: UInt64) {
        var value = value
        while value >= 0x80 {
            bytes.append(UInt8(value & 0x7F) | 0x80)
            value >>= 7
        }
        bytes.append(UInt8(value))
    }

    private mutating func key(_ field: Int, _ wireType: UInt64) {
        varint(UInt64(field) << 3 | wireType)
    }

    /// An `int32`/`int64`/`uint64`/`bool`/enum field (negative numbers as ten-byte two's complement, as protobuf's).
    public mutating func integer(_ field: Int, _ value: Int64) {
        key(field, 0)
        varint(UInt64(bitPattern: value))
    }

    /// A `float` field.
    public mutating func float(_ field: Int, _ value: Float) {
        key(field, 5)
        bytes.appendLittleEndian(value.bitPattern)
    }

    /// A `double` field.
    public mutating func double(_ field: Int, _ value: Double) {
        key(field, 1)
        bytes.appendLittleEndian(value.bitPattern)
    }

    /// A `bytes` field.
    public mutating func bytes(_ field: Int, _ value: Data) {
        key(field, 2)
        varint(UInt64(value.count))
        bytes.append(value)
    }

    /// A `string` field (UTF-8).
    public mutating func string(_ field: Int, _ value: String) {
        bytes(field, Data(value.utf8))
    }

    /// An embedded message field.
    public mutating func message(_ field: Int, _ value: ProtobufMessage) {
        bytes(field, value.bytes)
    }

    /// An embedded message field built by `body`.
    public mutating func message(_ field: Int, _ body: (inout ProtobufMessage) -> Void) {
        message(field, ProtobufMessage(body))
    }

    /// A packed `repeated int64` field.
    public mutating func packedIntegers(_ field: Int, _ values: [Int64]) {
        var packed = ProtobufMessage()
        for value in values { packed.varint(UInt64(bitPattern: value)) }
        bytes(field, packed.bytes)
    }
}
