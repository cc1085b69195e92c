import DistTensor

/// A supply of training batches: signals `[N, leads, length]` and multi-hot targets `[N, classes]`.
public protocol BatchSource {
    var leads: Int { get }
    var classes: Int { get }
    var length: Int { get }
    /// Batch number `index` of `size` samples; the same index gives the same batch.
    func batch(_ index: Int, size: Int) -> (signals: Tensor, targets: Tensor)
}
