/// One window of a record as a value: `leadCount x length` samples laid out `[lead][sample]` with the placement
/// they were cut at, for callers that want an array rather than writing into a batch tensor.
public struct ECGWindow: Sendable, Equatable {
    /// Samples laid out `[lead][sample]`; in each lead, samples from `placement.validLength` on are padding.
    public private(set) var samples: [Float]
    public let leadCount: Int
    /// Samples per lead.
    public let length: Int
    /// Where the window was cut from its record.
    public let placement: ECGWindowPlacement

    init(samples: [Float], leadCount: Int, length: Int, placement: ECGWindowPlacement) {
        self.samples = samples
        self.leadCount = leadCount
        self.length = length
        self.placement = placement
    }

    /// The samples of `lead`, padding included.
    public func lead(_ lead: Int) -> ArraySlice<Float> {
        samples[lead * length ..< (lead + 1) * length]
    }

    /// Runs `body` on the samples with their checked layout, which a window's own shape always satisfies except
    /// for a window of a record without leads, where there is nothing to change and `body` is not run.
    mutating func withLayout(_ body: (ECGWindowLayout) -> Void) {
        let (leadCount, validLength) = (self.leadCount, placement.validLength)
        samples.withUnsafeMutableBufferPointer { buffer in
            guard let layout = try? ECGWindowLayout(buffer, leadCount: leadCount, validLength: validLength) else {
                return
            }
            body(layout)
        }
    }
}

/// Where one fixed-length window sits in a record: the record sample it starts at and how many of its samples are
/// real, so that a zero-padded window of a short record can be told apart from a full one.
public struct ECGWindowPlacement: Sendable, Equatable, Hashable, Codable {
    /// The record sample copied to window sample 0.
    public let offset: Int
    /// Window samples `0..<validLength` are record samples `offset..<offset + validLength`; the rest are zero.
    public let validLength: Int

    /// A placement starting at record sample `offset` with `validLength` real samples.
    public init(offset: Int, validLength: Int) {
        self.offset = offset
        self.validLength = validLength
    }
}

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
