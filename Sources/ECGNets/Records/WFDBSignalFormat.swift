/// The WFDB sample storage formats this package reads and writes, named by their WFDB format codes
/// (https://physionet.org/physiotools/wag/signal-5.htm).
public enum WFDBSignalFormat: Int, Sendable, Equatable, CaseIterable {
    /// 16-bit two's complement, least significant byte first. The Challenge's `.mat` files hold format 16 samples
    /// after the MAT-file header.
    case format16 = 16
    /// 12-bit two's complement, two samples packed into three bytes.
    case format212 = 212

    /// The ADC resolution in bits that WFDB assumes when the header leaves it out.
    public var defaultADCResolution: Int {
        switch self {
        case .format16: return 16
        case .format212: return 12
        }
    }

    /// The value WFDB writes for a missing ("invalid") sample: the most negative value of the format.
    public var invalidSampleValue: Int16 {
        switch self {
        case .format16: return Int16.min
        case .format212: return -2048
        }
    }

    /// Bytes needed to store `sampleCount` samples of this format in one file (an odd 212 sample takes two bytes).
    public func byteCount(forSamples sampleCount: Int) -> Int {
        switch self {
        case .format16: return 2 * sampleCount
        case .format212: return 3 * (sampleCount / 2) + 2 * (sampleCount % 2)
        }
    }

    /// Whole samples that `byteCount` bytes of this format hold.
    public func sampleCount(inBytes byteCount: Int) -> Int {
        switch self {
        case .format16: return byteCount / 2
        case .format212: return 2 * (byteCount / 3) + (byteCount % 3 == 2 ? 1 : 0)
        }
    }
}
