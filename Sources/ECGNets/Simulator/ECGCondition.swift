/// A finding the simulator can draw into a record, identified by its SNOMED-CT code.
///
/// Codes and abbreviations are those of the PhysioNet/CinC Challenge 2020 scored-class map
/// (`dx_mapping_scored.csv`), so simulated labels mix freely with real ones.
public enum ECGCondition: String, CaseIterable, Sendable, Codable {
    case sinusRhythm = "426783006"
    case sinusBradycardia = "426177001"
    case sinusTachycardia = "427084000"
    case atrialFibrillation = "164889003"
    case atrialFlutter = "164890007"
    case firstDegreeAVBlock = "270492004"
    case rightBundleBranchBlock = "59118001"
    case leftBundleBranchBlock = "164909002"
    case prematureVentricularContractions = "427172004"
    case leftAxisDeviation = "39732003"
    case rightAxisDeviation = "47665007"
    case lowQRSVoltages = "251146004"
    case prolongedQTInterval = "111975006"
    case tWaveInversion = "59931005"

    /// The SNOMED-CT concept id, as it appears in a header's `# Dx:` line.
    public var snomedCode: String { rawValue }

    /// The Challenge's short name for the class (e.g. "AF", "RBBB").
    public var abbreviation: String {
        switch self {
        case .sinusRhythm: "NSR"
        case .sinusBradycardia: "SB"
        case .sinusTachycardia: "STach"
        case .atrialFibrillation: "AF"
        case .atrialFlutter: "AFL"
        case .firstDegreeAVBlock: "IAVB"
        case .rightBundleBranchBlock: "RBBB"
        case .leftBundleBranchBlock: "LBBB"
        case .prematureVentricularContractions: "PVC"
        case .leftAxisDeviation: "LAD"
        case .rightAxisDeviation: "RAD"
        case .lowQRSVoltages: "LQRSV"
        case .prolongedQTInterval: "LQT"
        case .tWaveInversion: "TInv"
        }
    }
}
