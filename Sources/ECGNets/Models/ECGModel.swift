import DistTensor

/// The model seam: what the trainer, distributed evaluation, checkpoints, `bench`, `inspect` and the command line
/// know of a network. Every architecture implements it; nothing outside `Models/` names a concrete network.
///
/// A model is its parameters (one `ParameterStore`, named as the reference's `state_dict`), the input it takes,
/// the number of outputs, a forward/backward pair following DistTensor's layer contract, and its BatchNorm
/// synchronisation. Its `architecture` is the Codable data that rebuilds it: checkpoints store it, resume
/// compares it, `inspect` prints it.
public protocol ECGModel: AnyObject {
    /// The configuration this network was built from (`architecture.makeModel(seed:)` builds a twin).
    var architecture: ModelConfiguration { get }
    /// Parameters, gradients and buffers, each one contiguous block.
    var parameters: ParameterStore { get }
    /// What `forward` takes.
    var input: ModelInput { get }
    /// Logits per sample that `forward` returns (one per class).
    var classes: Int { get }
    /// The arithmetic of the heavy kernels (float32, or bfloat16 with float32 master weights and statistics); it
    /// changes no parameter, so a checkpoint trained in one precision evaluates in the other.
    var precision: ComputePrecision { get set }

    /// Logits `[N, classes]` for `x` of `[N, input.leads, L]`. In training, BatchNorm uses batch statistics and
    /// dropout draws its masks from `dropoutKey`; forward keeps what backward needs.
    func forward(_ x: Tensor, training: Bool, dropoutKey: UInt64) -> Tensor

    /// Accumulates (`+=`) every parameter gradient for `dLogits`, the loss gradient of the last training forward's
    /// logits. `gradientsReady(offset)` is called whenever every gradient from `offset` to the end of the parameter
    /// block is final, so all-reduce buckets can start while backward runs; the last call has offset 0.
    func backward(_ dLogits: Tensor, gradientsReady: (Int) -> Void)

    /// Makes every BatchNorm compute training statistics over all ranks of `group` (sync BN), or over this rank's
    /// batch alone when `group` is nil (PyTorch DDP's default).
    func synchronizeBatchNormalization(over group: ProcessGroup?)

    /// Multiply-accumulates of one forward pass on one sample of `length` per lead (for FLOP rates).
    func multiplyAccumulates(length: Int) -> Int
}

extension ECGModel {
    /// Evaluation-mode logits (no dropout, running BatchNorm statistics).
    public func forward(_ x: Tensor, training: Bool) -> Tensor {
        forward(x, training: training, dropoutKey: 0)
    }
}

/// The input a model takes: `[N, leads, samples]` windows of one representation.
public struct ModelInput: Sendable, Equatable, Codable {
    /// How a window's numbers are to be read.
    public enum Representation: String, Sendable, Codable {
        /// Millivolts per lead and sample, as `ECGDatasetSamples` cuts and normalises them.
        case waveform
    }

    public var leads: Int
    /// Samples per lead the model requires, or nil when any length works (convolutions and global pooling).
    public var samples: Int?
    public var representation: Representation

    public init(leads: Int, samples: Int? = nil, representation: Representation = .waveform) {
        self.leads = leads
        self.samples = samples
        self.representation = representation
    }
}
