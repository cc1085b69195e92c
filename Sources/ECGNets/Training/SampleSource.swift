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
