/// Which training augmentations are applied, how often and how strongly: plain data, stored in checkpoints so a
/// resumed run augments exactly as before. `ECGAugmenter` checks it and applies it.
///
/// The augmentations run in the order of the properties below. `AugmentationPolicy()` (every probability 0) is
/// the identity. Magnitudes that are not seconds or hertz are in the window's units: augmenting after
/// `LeadStandardization` (so per-lead standardisation does not undo amplitude scaling) makes them lead standard
/// deviations; augmenting before it makes them millivolts.
public struct AugmentationPolicy: Sendable, Equatable, Codable {
    public var amplitudeScaling: AmplitudeScaling
    public var baselineWander: BaselineWander
    public var gaussianNoise: GaussianNoise
    public var timeShift: TimeShift
    public var leadDropout: LeadDropout

    /// A policy from its augmentations; each defaults to probability 0 (off).
    public init(amplitudeScaling: AmplitudeScaling = AmplitudeScaling(),
                baselineWander: BaselineWander = BaselineWander(),
                gaussianNoise: GaussianNoise = GaussianNoise(),
                timeShift: TimeShift = TimeShift(),
                leadDropout: LeadDropout = LeadDropout()) {
        self.amplitudeScaling = amplitudeScaling
        self.baselineWander = baselineWander
        self.gaussianNoise = gaussianNoise
        self.timeShift = timeShift
        self.leadDropout = leadDropout
    }

    /// No augmentation.
    public static let none = AugmentationPolicy()

    /// Throws the first parameter that is out of range.
    public func validate() throws(AugmentationPolicyError) {
        try amplitudeScaling.validate()
        try baselineWander.validate()
        try gaussianNoise.validate()
        try timeShift.validate()
        try leadDropout.validate()
    }
}
