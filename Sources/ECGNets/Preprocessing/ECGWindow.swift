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
