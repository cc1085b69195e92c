import Foundation

/// The label space of the PhysioNet/CinC Challenge 2020: the 27 scored SNOMED-CT classes a model outputs,
/// in the official order of dx_mapping_scored.csv and weights.csv, the pairs the scorer merges, and the
/// mapping from a record's Dx codes to training targets and scoring labels.
public struct ChallengeClasses: Sendable {
    /// The classes in output order.
    public let classes: [SNOMEDClass]
    /// Groups of codes scored as one diagnosis, representative first.
    public let equivalentCodes: [[String]]
    /// SNOMED-CT code of sinus rhythm, the Challenge's normal class.
    public let normalCode: String
    /// The merged classes and weights the metric of the same year scores these outputs with.
    public let scoring: ScoringClasses
    private let indexByCode: [String: Int]

    /// The 27 classes of the 2020 Challenge (24 once 713427006~59118001, 284470004~63593006 and
    /// 427172004~17338001 are merged for scoring).
    public static let challenge2020 = ChallengeClasses(
        classes: ChallengeTables.scored2020, equivalentCodes: ChallengeTables.equivalentCodes2020,
        normalCode: ChallengeTables.normalCode, scoring: .challenge2020)

    init(classes: [SNOMEDClass], equivalentCodes: [[String]], normalCode: String, scoring: ScoringClasses) {
        self.classes = classes
        self.equivalentCodes = equivalentCodes
        self.normalCode = normalCode
        self.scoring = scoring
        self.indexByCode = Dictionary(uniqueKeysWithValues: classes.enumerated().map { ($0.element.code, $0.offset) })
    }

    /// Number of output classes (27).
    public var count: Int { classes.count }

    /// The SNOMED-CT codes in output order, as the header line of a Challenge output file lists them.
    public var codes: [String] { classes.map(\.code) }

    /// The output index of a SNOMED-CT code, or `nil` if it is not one of the scored classes.
    public func index(of code: String) -> Int? {
        indexByCode[code]
    }

    /// Maps a record's Dx codes (as in a header's `#Dx:` line) to its training targets and scoring labels;
    /// unscored and unknown codes set no label and are returned for reporting.
    public func encode(dxCodes: [String], equivalents: EquivalentCodeLabelling = .allEquivalentColumns) -> DxEncoding {
        let codes = dxCodes.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
        var targets = [Float](repeating: 0, count: count)
        var unscored: [String] = []
        var unknown: [String] = []
        for code in codes {
            guard let index = indexByCode[code] else {
                if ChallengeDiagnosisCatalog.diagnosis(for: code) == nil {
                    unknown.append(code)
                } else {
                    unscored.append(code)
                }
                continue
            }
            targets[index] = 1
            if equivalents == .allEquivalentColumns, let group = equivalentCodes.first(where: { $0.contains(code) }) {
                for member in group {
                    if let memberIndex = indexByCode[member] {
                        targets[memberIndex] = 1
                    }
                }
            }
        }
        let scoringLabels = scoring.labels(forDxCodes: codes)
        return DxEncoding(trainingTargets: targets, scoringLabels: scoringLabels,
                          unscoredCodes: unscored, unknownCodes: unknown)
    }
}

extension ChallengeClasses {
    /// The 30 classes scored in the 2021 Challenge, in the order of its dx_mapping_scored.csv; equivalent codes
    /// are those its weights.csv writes as `a|b` (CLBBB|LBBB joins the three 2020 pairs), scored by the 2021
    /// metric (26 classes).
    public static let challenge2021 = ChallengeClasses(
        classes: ChallengeTables.scored2021,
        equivalentCodes: ChallengeTables.weights2021.classes.filter { $0.count > 1 },
        normalCode: ChallengeTables.normalCode, scoring: .challenge2021)

    /// A user's class list (each code its own output and scoring class, no equivalent codes), scored without
    /// Challenge weights: every metric but the Challenge metric (see `ScoringClasses.unweighted(codes:)`).
    public static func classList(_ classes: [ECGTask.Class]) -> ChallengeClasses {
        ChallengeClasses(
            classes: classes.map { item in
                SNOMEDClass(code: item.code, abbreviation: item.name,
                            description: ChallengeDiagnosisCatalog.diagnosis(for: item.code)?.description ?? item.name)
            },
            equivalentCodes: [], normalCode: ChallengeTables.normalCode,
            scoring: .unweighted(codes: classes.map(\.code)))
    }
}

/// A record's Dx codes mapped onto the Challenge label space: the training targets, the labels the
/// metric sees, and the codes that set no label, kept so callers can report them.
public struct DxEncoding: Sendable, Equatable {
    /// One target per training class (27 for 2020), 1 where the record has that diagnosis, else 0.
    public var trainingTargets: [Float]
    /// One label per scoring class (24 for 2020), as the official scorer derives them.
    public var scoringLabels: [Bool]
    /// Codes a Challenge class map names but the label space does not score; they set no label.
    public var unscoredCodes: [String]
    /// Codes no Challenge class map names (typos, other vocabularies); they set no label.
    public var unknownCodes: [String]
}

/// How training targets treat the codes the Challenge scores as one diagnosis (e.g. CRBBB 713427006 and
/// RBBB 59118001).
public enum EquivalentCodeLabelling: Sendable {
    /// A code marks only its own column.
    case ownColumnOnly
    /// A code marks its own column and those of its equivalent codes. The scorer averages the two columns'
    /// probabilities and ORs their decisions, and the source databases each use one code of a pair (CPSC
    /// only 59118001, PTB-XL only 713427006, per the counts in dx_mapping_scored.csv), so both columns
    /// should learn the same target.
    case allEquivalentColumns
}
