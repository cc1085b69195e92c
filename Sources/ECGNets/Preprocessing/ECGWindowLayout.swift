/// A checked view of one window in caller memory, `leadCount` rows of `length` samples laid out
/// `[lead][sample]`, of which the first `validLength` of each row are real: the shape that windowing,
/// standardisation and augmentation share.
struct ECGWindowLayout {
    let samples: UnsafeMutableBufferPointer<Float>
    let leadCount: Int
    let length: Int
    let validLength: Int

    /// The layout of `samples` as `leadCount` equal rows with `validLength` real samples each.
    init(_ samples: UnsafeMutableBufferPointer<Float>, leadCount: Int, validLength: Int) throws(ECGWindowingError) {
        let length = leadCount > 0 ? samples.count / leadCount : 0
        guard leadCount > 0, length > 0, length * leadCount == samples.count, (0...length).contains(validLength)
        else {
            throw .bufferShape(count: samples.count, leadCount: leadCount, length: length, validLength: validLength)
        }
        self.samples = samples
        self.leadCount = leadCount
        self.length = length
        self.validLength = validLength
    }

    /// The real samples of `lead`.
    func validSamples(ofLead lead: Int) -> UnsafeMutableBufferPointer<Float> {
        UnsafeMutableBufferPointer(rebasing: samples[lead * length ..< lead * length + validLength])
    }
}
