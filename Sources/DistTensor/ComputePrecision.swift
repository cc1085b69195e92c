import CDNNL

/// The arithmetic of the convolutions, as PyTorch's CPU autocast: `float32` throughout, or `bfloat16`
/// inputs and weights (8-bit mantissa) with float32 accumulation, outputs, weight gradients, master weights,
/// optimizer state, BatchNorm statistics and loss.
public enum ComputePrecision: String, Sendable, Codable, CaseIterable, CustomStringConvertible {
    case float32 = "fp32"
    case bfloat16 = "bf16"

    public var description: String { rawValue }

    /// True when this CPU has native bfloat16 dot products (AVX512_BF16); without them oneDNN emulates
    /// bfloat16 in float32 arithmetic, slower than `float32` itself.
    public static var bfloat16IsNative: Bool { cdnnl_native_bfloat16() != 0 }

    /// The oneDNN version the process runs with ("2.6.3").
    public static var oneDNNVersion: String { String(cString: cdnnl_version()) }

    var cValue: cdnnl_precision { self == .float32 ? CDNNL_FLOAT32 : CDNNL_BFLOAT16 }
}
