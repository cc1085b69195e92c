import DistTensor

/// Training samples addressed by index: a signal window `[leads, length]` and a multi-hot target `[classes]`.
public protocol SampleSource {
    var count: Int { get }
    var leads: Int { get }
    var classes: Int { get }
    var length: Int { get }
    /// Writes sample `index` as seen in `epoch` (crops and augmentation may depend on it) into `signal`
    /// and `target`.
    func fill(_ index: Int, epoch: Int, signal: UnsafeMutablePointer<Float>, target: UnsafeMutablePointer<Float>) throws
}

/// `count` samples of standard normal signals with about 10% positive targets, drawn once from `seed` for a pool of
/// `poolSize` distinct samples that the indices cycle through: input for timing training (`bench`), where the
/// numbers do not matter but loading them should cost what copying a window costs.
public struct RandomSampleSource: SampleSource {
    public let count: Int
    public let leads: Int
    public let classes: Int
    public let length: Int
    private let signals: [Float]
    private let targets: [Float]
    private let poolSize: Int

    public init(count: Int, leads: Int, classes: Int, length: Int, poolSize: Int, seed: UInt64) {
        precondition(count > 0 && poolSize > 0, "a random sample source needs samples")
        self.count = count
        self.leads = leads
        self.classes = classes
        self.length = length
        self.poolSize = min(poolSize, count)
        var random = RandomStream(seed: seed, 0xBE_4C)
        signals = (0..<(self.poolSize * leads * length)).map { _ in Float(random.nextNormal()) }
        targets = (0..<(self.poolSize * classes)).map { _ in random.nextUniform() < 0.1 ? 1 : 0 }
    }

    public func fill(_ index: Int, epoch: Int, signal: UnsafeMutablePointer<Float>, target: UnsafeMutablePointer<Float>) throws {
        let slot = index % poolSize
        signals.withUnsafeBufferPointer { signal.update(from: $0.baseAddress! + slot * leads * length, count: leads * length) }
        targets.withUnsafeBufferPointer { target.update(from: $0.baseAddress! + slot * classes, count: classes) }
    }
}
