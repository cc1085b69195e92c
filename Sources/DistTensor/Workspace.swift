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
