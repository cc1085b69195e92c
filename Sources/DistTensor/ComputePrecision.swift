import CDNNL
import Foundation

/// The arithmetic of the convolutions, as PyTorch's CPU autocast: `float32` throughout, or `bfloat16`
/// inputs and weights (8-bit mantissa) with float32 accumulation, weight gradients, master weights, optimizer
/// state, BatchNorm statistics and loss; outputs are float32 unless a network keeps them in bfloat16
/// (`Conv1D.bfloat16Output`, as ResNet1D does inside its blocks).
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

/// The arithmetic limit of the cores a process computes on, in one precision: measured by running the instruction
/// the kernels are built on (`vfmadd231ps`, or `vdpbf16ps` in bfloat16) on every thread of the team, beside the
/// nominal "cores × FLOP/cycle × clock". The measurement is the one to judge kernels by: a VM reports its nominal
/// clock while its cores turbo above it, and the bfloat16 dot product is not twice as fast as float32 on every CPU
/// that has it (on the development machine's Xeon it sustains about half the float32 rate).
public struct MachinePeak: Sendable, Codable, Equatable {
    /// GFLOP/s of the team's threads together, measured; 0 where the CPU lacks the instruction.
    public let measuredGFLOPS: Double
    /// cores × FLOP per cycle (two FMAs per cycle on the widest vectors; twice that for native bfloat16) × the
    /// clock /proc/cpuinfo reports.
    public let nominalGFLOPS: Double
    public let basis: String

    /// The limit a kernel's rate is judged against: the measured peak where there is one, else the nominal.
    public var gflops: Double { measuredGFLOPS > 0 ? measuredGFLOPS : nominalGFLOPS }

    /// Measures the peak of `threads` threads of the calling thread's team for about `seconds` (three passes).
    public static func measure(_ precision: ComputePrecision, threads: Int, seconds: Double = 0.1) -> MachinePeak {
        let measured = Parallel.withThreads(threads) { cdnnl_measured_peak_gflops(precision.cValue, seconds) }
        return MachinePeak(measured: measured, cores: threads, precision: precision)
    }

    /// A peak from per-process measurements (summed by the caller over ranks) and the cores they ran on.
    public init(measured: Double, cores: Int, precision: ComputePrecision) {
        let cpuinfo = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let lines = cpuinfo.split(separator: "\n")
        let flags = lines.first { $0.hasPrefix("flags") }.map { Set($0.split(separator: " ")) } ?? []
        let megahertz = lines.first { $0.hasPrefix("cpu MHz") }
            .flatMap { Double($0.split(separator: ":").last?.trimmingCharacters(in: .whitespaces) ?? "") } ?? 3000
        var perCycle: Double = flags.contains("avx512f") ? 64 : flags.contains("fma") ? 32 : 8
        if precision == .bfloat16 && ComputePrecision.bfloat16IsNative { perCycle *= 2 }
        measuredGFLOPS = measured
        nominalGFLOPS = Double(cores) * perCycle * megahertz / 1000
        let nominal = "\(cores) cores x \(Int(perCycle)) FLOP/cycle x \(String(format: "%.2f GHz", megahertz / 1000))"
            + " = \(String(format: "%.0f", nominalGFLOPS))"
        let instruction = precision == .bfloat16 ? "vdpbf16ps" : flags.contains("avx512f") ? "vfmadd231ps zmm" : "vfmadd231ps ymm"
        basis = measured > 0
            ? "measured, \(cores) thread(s) of independent \(instruction) (nominal \(nominal))"
            : "nominal \(nominal) (\(instruction) not available to measure)"
    }
}
