/// How a parameter or buffer gets its first values.
public enum ParameterInitializer: Sendable, Equatable {
    /// Normal with std `sqrt(2 / fanOut)`: PyTorch's `kaiming_normal_(mode="fan_out", nonlinearity="relu")`.
    case kaimingNormalFanOut(fanOut: Int)
    /// Uniform in `[-bound, bound]`: PyTorch's default for `Linear` weights and biases (`1/sqrt(fan_in)`).
    case uniform(bound: Float)
    /// Every element set to a constant (BatchNorm weight 1, bias 0, running variance 1).
    case constant(Float)
}

/// Whether an entry is trained (has a gradient and optimizer state) or is a buffer such as a
/// BatchNorm running statistic.
public enum ParameterKind: Sendable, Equatable {
    case parameter
    case buffer
}

/// One named tensor of the model, placed in the parameter or buffer block.
public struct ParameterEntry: Sendable, Equatable {
    /// The PyTorch `state_dict` name, e.g. `body.3.down.1.running_var`.
    public let name: String
    public let shape: [Int]
    public let kind: ParameterKind
    /// Offset in the block of its kind (`values`/`gradients` for parameters, `buffers` for buffers).
    public let offset: Int
    public let initializer: ParameterInitializer
    public var count: Int { shape.reduce(1, *) }
}

/// Where a layer finds one of its tensors in a `ParameterStore`.
public struct ParameterSlot: Sendable, Equatable {
    public let offset: Int
    public let count: Int
}

/// The list of a model's named tensors in `state_dict` order, built while the layers are made.
public struct ParameterLayout: Sendable {
    public private(set) var entries: [ParameterEntry] = []
    public private(set) var parameterCount = 0
    public private(set) var bufferCount = 0

    public init() {}

    /// Reserves a trained tensor and returns where it will live.
    public mutating func addParameter(_ name: String, shape: [Int], initializer: ParameterInitializer) -> ParameterSlot {
        let entry = ParameterEntry(name: name, shape: shape, kind: .parameter, offset: parameterCount, initializer: initializer)
        precondition(!entries.contains { $0.name == name }, "duplicate parameter name \(name)")
        entries.append(entry)
        parameterCount += entry.count
        return ParameterSlot(offset: entry.offset, count: entry.count)
    }

    /// Reserves an untrained buffer (running statistics) and returns where it will live.
    public mutating func addBuffer(_ name: String, shape: [Int], initializer: ParameterInitializer) -> ParameterSlot {
        let entry = ParameterEntry(name: name, shape: shape, kind: .buffer, offset: bufferCount, initializer: initializer)
        precondition(!entries.contains { $0.name == name }, "duplicate parameter name \(name)")
        entries.append(entry)
        bufferCount += entry.count
        return ParameterSlot(offset: entry.offset, count: entry.count)
    }
}

/// All of a model's numbers in three contiguous blocks: parameter values, their gradients
/// (same layout) and buffers.
///
/// One block per kind (as llm.c) makes zeroing gradients one fill, the optimizer one loop and
/// an all-reduce bucket a slice. Layers hold `ParameterSlot`s into it.
public final class ParameterStore: @unchecked Sendable {
    public let layout: ParameterLayout
    public let values: UnsafeMutableBufferPointer<Float>
    public let gradients: UnsafeMutableBufferPointer<Float>
    public let buffers: UnsafeMutableBufferPointer<Float>

    /// Allocates the blocks and fills them with the layout's initializers from `seed`.
    public init(layout: ParameterLayout, seed: UInt64) {
        self.layout = layout
        values = .allocate(capacity: Swift.max(layout.parameterCount, 1))
        gradients = .allocate(capacity: Swift.max(layout.parameterCount, 1))
        buffers = .allocate(capacity: Swift.max(layout.bufferCount, 1))
        values.initialize(repeating: 0)
        gradients.initialize(repeating: 0)
        buffers.initialize(repeating: 0)
        initialize(seed: seed)
    }

    deinit {
        values.deallocate()
        gradients.deallocate()
        buffers.deallocate()
    }

    /// Number of trained scalars.
    public var parameterCount: Int { layout.parameterCount }

    /// Refills every tensor from its initializer; each tensor draws from its own stream keyed
    /// by `(seed, index)`, so adding a layer does not change the others' values.
    public func initialize(seed: UInt64) {
        for (index, entry) in layout.entries.enumerated() {
            let target = block(entry.kind).baseAddress! + entry.offset
            var random = RandomStream(seed: seed, 0x1417, UInt64(index))
            switch entry.initializer {
            case .constant(let value):
                target.update(repeating: value, count: entry.count)
            case .uniform(let bound):
                for i in 0..<entry.count { target[i] = (random.nextUniform() * 2 - 1) * bound }
            case .kaimingNormalFanOut(let fanOut):
                let std = (2.0 / Double(fanOut)).squareRoot()
                for i in 0..<entry.count { target[i] = Float(random.nextNormal() * std) }
            }
        }
    }

    /// Sets every gradient to zero (one fill over the contiguous block).
    public func zeroGradients() {
        gradients.update(repeating: 0)
    }

    /// The parameter value at a slot.
    @inline(__always) public func value(_ slot: ParameterSlot) -> UnsafeMutablePointer<Float> {
        values.baseAddress! + slot.offset
    }

    /// The gradient at a slot.
    @inline(__always) public func gradient(_ slot: ParameterSlot) -> UnsafeMutablePointer<Float> {
        gradients.baseAddress! + slot.offset
    }

    /// The buffer at a slot.
    @inline(__always) public func buffer(_ slot: ParameterSlot) -> UnsafeMutablePointer<Float> {
        buffers.baseAddress! + slot.offset
    }

    /// The entry called `name`, if the model has one.
    public func entry(named name: String) -> ParameterEntry? {
        layout.entries.first { $0.name == name }
    }

    /// The values of entry `entry` (a parameter or a buffer) as a read/write buffer.
    public func storage(of entry: ParameterEntry) -> UnsafeMutableBufferPointer<Float> {
        UnsafeMutableBufferPointer(start: block(entry.kind).baseAddress! + entry.offset, count: entry.count)
    }

    /// The gradient of a parameter entry.
    public func gradientStorage(of entry: ParameterEntry) -> UnsafeMutableBufferPointer<Float> {
        precondition(entry.kind == .parameter, "\(entry.name) is a buffer and has no gradient")
        return UnsafeMutableBufferPointer(start: gradients.baseAddress! + entry.offset, count: entry.count)
    }

    /// Copies every value and buffer from another store with the same layout.
    public func copy(from other: ParameterStore) {
        precondition(other.layout.entries == layout.entries, "copying between different models")
        _ = values.update(fromContentsOf: other.values)
        _ = buffers.update(fromContentsOf: other.buffers)
    }

    private func block(_ kind: ParameterKind) -> UnsafeMutableBufferPointer<Float> {
        kind == .parameter ? values : buffers
    }
}
