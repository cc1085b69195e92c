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

    /// The precision to use, after saying on standard error when bfloat16 is emulated on this CPU.
    func resolved() -> ComputePrecision {
        if precision == .bfloat16 && !ComputePrecision.bfloat16IsNative {
            FileHandle.standardError.write(Data("""
                dist-train: this CPU has no native bfloat16 (AVX512_BF16); oneDNN \(ComputePrecision.oneDNNVersion) \
                emulates it in float32 arithmetic, so --precision bf16 will run slower than fp32 (same float32 master \
                weights and statistics).\n
                """.utf8))
        }
        return precision
    }
}
