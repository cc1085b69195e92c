extension ECGRecord {
    /// Every finding about this record: the load warnings, then an error for each lead that holds NaN or infinite
    /// samples or is constant (e.g. all zero), and an error when the record has no samples.
    public func validate() -> [ECGRecordFinding] {
        var findings = loadWarnings
        guard sampleCount > 0 else { return findings + [.emptyRecord(file: headerURL)] }
        for (lead, samples) in zip(leadNames, signals) {
            let summary = samples.withUnsafeBufferPointer { samples -> (nonFinite: Int, minimum: Float, maximum: Float) in
                var nonFinite = 0
                var minimum = Float.infinity, maximum = -Float.infinity
                for value in samples {
                    if value.isFinite {
                        minimum = min(minimum, value)
                        maximum = max(maximum, value)
                    } else {
                        nonFinite += 1
                    }
                }
                return (nonFinite, minimum, maximum)
            }
            if summary.nonFinite > 0 {
                findings.append(.nonFiniteSamples(file: headerURL, lead: lead, count: summary.nonFinite))
            }
            if summary.minimum == summary.maximum {
                findings.append(.constantLead(file: headerURL, lead: lead, millivolts: summary.minimum))
            }
        }
        return findings
    }
}
