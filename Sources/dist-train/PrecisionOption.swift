import ArgumentParser
import DistTensor
import Foundation

extension ComputePrecision: ExpressibleByArgument {}

/// `--precision fp32|bf16`: the convolutions' arithmetic. Master weights, optimizer state, weight gradients,
/// BatchNorm statistics, loss and checkpoints stay float32 either way, so a checkpoint trained in one
/// precision evaluates in the other.
struct PrecisionOption: ParsableArguments {
    @Option(help: ArgumentHelp("Convolution arithmetic: fp32, or bf16 (bfloat16 inputs and weights with float32 accumulation, as "
                               + "PyTorch's CPU autocast). Recurrent, attention, LayerNorm and linear layers run float32 either "
                               + "way: gru-mha and lstm-mha compute the same in both."))
    var precision: ComputePrecision = .float32

    /// The precision to use, after saying on standard error when bfloat16 is emulated on this CPU, or native but
    /// slower than float32 here (measured: some CPUs with AVX512_BF16 run `vdpbf16ps` at half the float32 FMA rate).
    func resolved() -> ComputePrecision {
        guard precision == .bfloat16 else { return precision }
        if !ComputePrecision.bfloat16IsNative {
            warn("""
                this CPU has no native bfloat16 (AVX512_BF16); oneDNN \(ComputePrecision.oneDNNVersion) emulates it in \
                float32 arithmetic, so --precision bf16 will run slower than fp32 (same float32 master weights and statistics).
                """)
        } else {
            let threads = Parallel.threadCount
            let (float32, bfloat16) = (MachinePeak.measure(.float32, threads: threads), MachinePeak.measure(.bfloat16, threads: threads))
            if bfloat16.gflops < float32.gflops {
                warn(String(format: """
                    this CPU's bfloat16 dot product (vdpbf16ps) sustains %.0f GFLOP/s on %d thread(s) against float32's \
                    %.0f (measured), so --precision bf16 will train slower than fp32 here; it still halves what the \
                    convolutions read.
                    """, bfloat16.gflops, threads, float32.gflops))
            }
        }
        return precision
    }

    private func warn(_ message: String) {
        FileHandle.standardError.write(Data("dist-train: \(message)\n".utf8))
    }
}
