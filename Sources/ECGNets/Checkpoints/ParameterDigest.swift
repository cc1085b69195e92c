import DistTensor

/// A 64-bit FNV-1a hash of a model's parameters and buffers: the raw little-endian float32 bytes of every entry in
/// `state_dict` order, so two runs (or a run and a checkpoint) can be compared by one number.
///
/// FNV-1a (Fowler, Noll, Vo; offset basis 0xcbf29ce484222325, prime 0x100000001b3) is simple enough to recompute
/// anywhere: `h = basis; for byte: h = (h ^ byte) * prime mod 2^64`.
public struct ParameterDigest: Sendable, Equatable, CustomStringConvertible {
    public let value: UInt64

    /// A digest of the given hash value.
    public init(value: UInt64) {
        self.value = value
    }

    /// The digest of every parameter and buffer of `store`, in `state_dict` order.
    public init(of store: ParameterStore) {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for entry in store.layout.entries {
            let bytes = UnsafeRawBufferPointer(store.storage(of: entry))
            for byte in bytes {
                hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
            }
        }
        value = hash
    }

    /// The digest as `fnv1a64:` and 16 hex digits, the form logs, attributes and `inspect` print.
    public var description: String {
        let hex = String(value, radix: 16)
        return "fnv1a64:" + String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// Parses the `description` form back; nil if `text` is not one.
    public init?(parsing text: String) {
        guard text.hasPrefix("fnv1a64:"), text.count == 24, let value = UInt64(text.dropFirst(8), radix: 16) else { return nil }
        self.value = value
    }
}
