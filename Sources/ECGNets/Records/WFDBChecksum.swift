/// WFDB's per-signal checksum: the sum of a signal's samples modulo 2^16, written in headers as a signed or
/// unsigned 16-bit number (the Challenge's `.mat` headers use signed, wfdb's `.dat` headers unsigned).
public enum WFDBChecksum {
    /// The checksum of `samples` as a signed 16-bit value.
    public static func of(_ samples: [Int16]) -> Int16 {
        samples.withUnsafeBufferPointer { samples in
            var sum: Int16 = 0
            for value in samples { sum &+= value }
            return sum
        }
    }

    /// Whether a header's checksum (signed or unsigned spelling) equals `checksum` modulo 2^16.
    public static func matches(headerValue: Int, _ checksum: Int16) -> Bool {
        UInt16(truncatingIfNeeded: headerValue) == UInt16(bitPattern: checksum)
    }
}

extension WFDBRecord {
    /// Warnings for every signal whose header checksum or initial value disagrees with its samples.
    public func checksumFindings() -> [ECGRecordFinding] {
        var findings: [ECGRecordFinding] = []
        for (specification, samples) in zip(header.signals, self.samples) {
            let checksum = WFDBChecksum.of(samples)
            if let expected = specification.checksum, !WFDBChecksum.matches(headerValue: expected, checksum) {
                findings.append(.checksumMismatch(file: headerURL, lead: specification.leadName,
                                                  headerChecksum: expected, computedChecksum: Int(checksum)))
            }
            if let expected = specification.initialValue, let first = samples.first, Int(first) != expected {
                findings.append(.initialValueMismatch(file: headerURL, lead: specification.leadName,
                                                      headerValue: expected, firstSample: Int(first)))
            }
        }
        return findings
    }
}
