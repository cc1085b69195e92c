/// A heap block of Float32 values, freed with its last owner.
///
/// Activations, gradients and scratch space live in these. Layers keep the storage they
/// write into and reuse it on the next call with the same shape, as llm.c does with its
/// activation buffers, so a training step allocates nothing once it has run once.
public final class TensorStorage: @unchecked Sendable {
    public let count: Int
    public let base: UnsafeMutablePointer<Float>

    public init(count: Int) {
        precondition(count >= 0, "negative storage size")
        self.count = count
        base = .allocate(capacity: Swift.max(count, 1))
        base.initialize(repeating: 0, count: Swift.max(count, 1))
    }

    deinit { base.deallocate() }
}

/// A contiguous, row-major Float32 array with a shape.
///
/// **Layout convention.** Activations inside a network are channels-last, `[batch, length, channels]`
/// (oneDNN's `nwc`): the layout oneDNN's convolution kernels run at full speed in, and in which every
/// per-channel loop (BatchNorm, ReLU, the residual add, max-pool over time, global average pooling) runs
/// over contiguous channels. A network takes its input as the data pipeline produces it, `[batch, channels,
/// length]` (PyTorch's `ncw`), and reorders it once (`ChannelsLast`); the classifier sees `[batch, features]`.
/// Weights stay in PyTorch's `[out, in, kernel]` layout in the `ParameterStore`.
///
/// A `Tensor` is a view of a `TensorStorage`: copying the struct shares the values, so a
/// tensor a layer returns is valid until that layer's next forward call.
///
/// **bfloat16 activations.** In a bfloat16 network some activations (a convolution's output, and what the next
/// convolution reads) are held as bfloat16, two per Float32 slot of the storage (`isBFloat16`): only the layers that
/// write and read them (`Conv1D`, `BatchNorm1D`) touch their values, through `base` as raw memory.
public struct Tensor: @unchecked Sendable {
    public let shape: [Int]
    public let storage: TensorStorage
    /// True when the elements are bfloat16 (the upper halves of float32 values), two per storage slot.
    public let isBFloat16: Bool

    /// Number of elements.
    public var count: Int { shape.reduce(1, *) }

    /// A tensor of zeros.
    public init(zeros shape: [Int]) {
        self.shape = shape
        storage = TensorStorage(count: shape.reduce(1, *))
        isBFloat16 = false
    }

    /// A tensor holding a copy of `values`, which must have `shape.reduce(1, *)` elements.
    public init(shape: [Int], values: [Float]) {
        precondition(values.count == shape.reduce(1, *), "\(values.count) values do not fill shape \(shape)")
        self.init(zeros: shape)
        values.withUnsafeBufferPointer { storage.base.update(from: $0.baseAddress!, count: values.count) }
    }

    /// A view of `storage` with another shape of at most the same size.
    public init(shape: [Int], storage: TensorStorage) {
        precondition(shape.reduce(1, *) <= storage.count, "shape \(shape) exceeds storage of \(storage.count)")
        self.shape = shape
        self.storage = storage
        isBFloat16 = false
    }

    /// A bfloat16 view of `storage` (two elements per Float32 slot).
    public init(bfloat16Shape shape: [Int], storage: TensorStorage) {
        precondition(Tensor.slots(shape.reduce(1, *), bfloat16: true) <= storage.count,
                     "bfloat16 shape \(shape) exceeds storage of \(storage.count)")
        self.shape = shape
        self.storage = storage
        isBFloat16 = true
    }

    /// Float32 slots that `count` elements take.
    static func slots(_ count: Int, bfloat16: Bool) -> Int { bfloat16 ? (count + 1) / 2 : count }

    /// The first element; the tensor's values follow contiguously.
    public var base: UnsafeMutablePointer<Float> { storage.base }

    /// The values as a read-only buffer pointer, valid inside `body` only.
    public func withUnsafeBufferPointer<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        try body(UnsafeBufferPointer(start: storage.base, count: count))
    }

    /// The values as a mutable buffer pointer, valid inside `body` only.
    public func withUnsafeMutableBufferPointer<R>(_ body: (UnsafeMutableBufferPointer<Float>) throws -> R) rethrows -> R {
        try body(UnsafeMutableBufferPointer(start: storage.base, count: count))
    }

    /// A copy of the values as an array (bfloat16 ones widened).
    public var array: [Float] {
        guard isBFloat16 else { return withUnsafeBufferPointer { Array($0) } }
        let halves = UnsafeRawPointer(base).assumingMemoryBound(to: UInt16.self)
        return (0..<count).map { Float(bitPattern: UInt32(halves[$0]) << 16) }
    }
}

/// Storage a layer writes its results into, reallocated only when the needed size grows or the element type
/// changes (so a layer that writes bfloat16 in training and float32 in evaluation holds one size at a time).
struct ReusableStorage {
    private var storage: TensorStorage?
    private var holdsBFloat16 = false

    /// A tensor of `shape` (of bfloat16 elements when `bfloat16`) backed by reused storage; its previous contents
    /// are unspecified.
    mutating func tensor(_ shape: [Int], bfloat16: Bool = false) -> Tensor {
        let needed = Tensor.slots(shape.reduce(1, *), bfloat16: bfloat16)
        if let current = storage, current.count >= needed, holdsBFloat16 == bfloat16 {
            return bfloat16 ? Tensor(bfloat16Shape: shape, storage: current) : Tensor(shape: shape, storage: current)
        }
        storage = nil  // freed before the replacement is allocated
        let fresh = TensorStorage(count: needed)
        (storage, holdsBFloat16) = (fresh, bfloat16)
        return bfloat16 ? Tensor(bfloat16Shape: shape, storage: fresh) : Tensor(shape: shape, storage: fresh)
    }
}

/// The reorder at a network's edge: `[N, C, L]` (as the data pipeline and PyTorch hold signals) to the
/// channels-last `[N, L, C]` every layer works in, into storage reused from call to call
/// (`Elementwise.transposeLastTwo` is the same reorder into new storage, either way).
public final class ChannelsLast {
    private var output = ReusableStorage()

    public init() {}

    /// `y[n, t, c] = x[n, c, t]`.
    public func forward(_ x: Tensor) -> Tensor {
        precondition(x.shape.count == 3, "ChannelsLast expects [N, C, L], got \(x.shape)")
        let y = output.tensor([x.shape[0], x.shape[2], x.shape[1]])
        ChannelsLast.transpose(x.base, into: y.base, batch: x.shape[0], rows: x.shape[1], columns: x.shape[2])
        return y
    }

    /// Transposes each of `batch` row-major `rows × columns` matrices.
    static func transpose(_ x: UnsafeMutablePointer<Float>, into y: UnsafeMutablePointer<Float>, batch: Int,
                                  rows: Int, columns: Int) {
        let shared = UncheckedSendable((x, y))
        Parallel.forEachChunk(batch) { samples in
            let (x, y) = shared.value
            for n in samples {
                let (source, target) = (x + n * rows * columns, y + n * rows * columns)
                for column in 0..<columns {
                    for row in 0..<rows { target[column * rows + row] = source[row * columns + column] }
                }
            }
        }
    }
}

/// Scratch memory shared by the layers of one model (a convolution's BatchNorm-folded weights in evaluation).
///
/// Layers run one at a time, so one workspace per model serves them all; it grows to the
/// largest request and is never shrunk.
public final class Workspace: @unchecked Sendable {
    private var slots: [TensorStorage] = []

    public init() {}

    /// Scratch slot `index` with room for at least `count` floats; contents are unspecified.
    public func scratch(_ index: Int, count: Int) -> UnsafeMutablePointer<Float> {
        while slots.count <= index { slots.append(TensorStorage(count: 0)) }
        if slots[index].count < count { slots[index] = TensorStorage(count: count) }
        return slots[index].base
    }

    /// Bytes currently held.
    public var byteCount: Int { slots.reduce(0) { $0 + $1.count } * MemoryLayout<Float>.stride }
}
