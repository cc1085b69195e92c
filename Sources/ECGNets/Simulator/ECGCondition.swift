/// A finding the simulator can draw into a record, identified by its SNOMED-CT code.
///
/// Codes and abbreviations are those of the PhysioNet/CinC Challenge 2020 scored-class map
/// (`dx_mapping_scored.csv`), so simulated labels mix freely with real ones. Every one of the 2020 metric's 24
/// classes has a case (of each equivalent pair, the code the map lists first: CRBBB~RBBB as RBBB, PAC~SVPB as
/// PAC, PVC~VPB as PVC); the criterion each is drawn by is stated where `ECGSimulator` labels it.
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
    case bradycardia = "426627000"
    case sinusArrhythmia = "427393009"
    case prematureAtrialContractions = "284470004"
    case prolongedPRInterval = "164947007"
    case incompleteRightBundleBranchBlock = "713426002"
    case leftAnteriorFascicularBlock = "445118002"
    case nonspecificIntraventricularConductionDisorder = "698252002"
    case pacingRhythm = "10370003"
    case qWaveAbnormal = "164917005"
    case tWaveAbnormal = "164934002"

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
        case .bradycardia: "Brady"
        case .sinusArrhythmia: "SA"
        case .prematureAtrialContractions: "PAC"
        case .prolongedPRInterval: "LPR"
        case .incompleteRightBundleBranchBlock: "IRBBB"
        case .leftAnteriorFascicularBlock: "LAnFB"
        case .nonspecificIntraventricularConductionDisorder: "NSIVCB"
        case .pacingRhythm: "PR"
        case .qWaveAbnormal: "QAb"
        case .tWaveAbnormal: "TAb"
        }
    }
}
