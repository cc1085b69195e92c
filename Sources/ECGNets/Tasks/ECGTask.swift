import DistTensor
import Foundation

/// What a network is trained to do, as data: whether a record has any number of the classes (multi-label,
/// trained with binary cross-entropy) or exactly one (single-label, softmax cross-entropy), the classes, the
/// leads it reads (by name) and the sampling rate. `prepare` records it in the dataset file, the checkpoint keeps
/// it, and evaluation picks the task's leads by name from the records it is given.
public struct ECGTask: Sendable, Codable, Equatable {
    /// How many classes a record has.
    public enum LabelKind: String, Sendable, Codable, CaseIterable, CustomStringConvertible {
        /// Any number of classes per record (CinC 2020/2021): one sigmoid output per class.
        case multiLabel = "multi-label"
        /// Exactly one class per record (CinC 2017's N, A, O, ~): a softmax over the classes.
        case singleLabel = "single-label"

        public var description: String { rawValue }
    }

    /// One output class: the code labels use (a SNOMED-CT code, or a label such as CinC 2017's `A`) and a short
    /// name for reports.
    public struct Class: Sendable, Codable, Equatable {
        public var code: String
        public var name: String

        public init(code: String, name: String) {
            self.code = code
            self.name = name
        }
    }

    public var labelKind: LabelKind
    /// The output classes, in output order.
    public var classes: [Class]
    /// The leads the network reads, in input-channel order, by their standard names.
    public var leads: [String]
    /// Samples per second of the network's input.
    public var samplingFrequency: Double

    public init(labelKind: LabelKind, classes: [Class], leads: [String], samplingFrequency: Double) {
        self.labelKind = labelKind
        self.classes = classes
        self.leads = leads
        self.samplingFrequency = samplingFrequency
    }

    /// The 12 standard leads in stored order.
    public static let twelveLeads = ["I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6"]

    /// The lead sets of the 2021 Challenge by their size, and the single lead II of rhythm studies.
    public static let standardLeadSets: [String: [String]] = [
        "12": twelveLeads,
        "6": ["I", "II", "III", "aVR", "aVL", "aVF"],
        "4": ["I", "II", "III", "V2"],
        "3": ["I", "II", "V2"],
        "2": ["I", "II"],
        "1": ["II"],
    ]

    /// The classes of the 2020 Challenge (27 SNOMED-CT codes) for 12 leads at 500 Hz: what every dataset of
    /// format version 1 holds.
    public static let challenge2020 = ECGTask(labelKind: .multiLabel, classes: classes(of: .challenge2020),
                                              leads: twelveLeads, samplingFrequency: 500)

    /// The CinC 2017 classes: normal rhythm, atrial fibrillation, other rhythm and too noisy to classify.
    public static let cinc2017Classes = [Class(code: "N", name: "Normal"), Class(code: "A", name: "AF"),
                                         Class(code: "O", name: "Other"), Class(code: "~", name: "Noisy")]

    /// The classes of a Challenge class list, named by the Challenge abbreviations.
    public static func classes(of list: ChallengeClasses) -> [Class] {
        list.classes.map { Class(code: $0.code, name: $0.abbreviation) }
    }

    /// The class codes in output order.
    public var classCodes: [String] { classes.map(\.code) }

    /// The Challenge class list these classes are, if they are one (multi-label, 2020 or 2021 codes in order):
    /// its metric then scores the task.
    public var challengeClasses: ChallengeClasses? {
        guard labelKind == .multiLabel else { return nil }
        return [ChallengeClasses.challenge2020, .challenge2021].first { $0.codes == classCodes }
    }

    /// The output classes as multi-label scoring sees them: the Challenge class list they are, or the task's
    /// own list (scored without Challenge weights, so without a Challenge metric).
    public var multiLabelClasses: ChallengeClasses { challengeClasses ?? .classList(classes) }

    /// The loss the task trains with, with optional per-class weights (`pos_weight` for multi-label).
    public func loss(classWeights: [Float]?) -> ClassificationLoss {
        switch labelKind {
        case .multiLabel: .binaryCrossEntropy(positiveWeight: classWeights)
        case .singleLabel: .softmaxCrossEntropy(classWeight: classWeights)
        }
    }

    /// The lead names a `--leads` value stands for: a standard set by size (12, 6, 4, 3, 2, 1) or lead names
    /// separated by commas (e.g. `II` or `I,II,V2`), matched to the standard names case-insensitively.
    public static func leads(parsing text: String) throws(ECGTaskError) -> [String] {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if let set = standardLeadSets[trimmed] { return set }
        var leads: [String] = []
        for part in trimmed.split(separator: ",", omittingEmptySubsequences: false) {
            let name = part.trimmingCharacters(in: .whitespaces)
            guard let standard = twelveLeads.first(where: { $0.caseInsensitiveCompare(name) == .orderedSame }) else {
                throw .unknownLead(name, in: text)
            }
            guard !leads.contains(standard) else { throw .duplicateLead(standard, in: text) }
            leads.append(standard)
        }
        return leads
    }

    /// The name a single-lead record gives its one lead when it does not say which lead it is: every CinC 2017
    /// record (`A00001.mat 16+24 1000/mV 16 0 -127 0 0 ECG`, one AliveCor lead).
    public static let unnamedSingleLead = "ECG"

    /// Where each of the task's leads is among a record's leads, matched by name case-insensitively; nil where the
    /// record lacks it. One documented exception: a record with a single lead named `ECG` gives the one lead of a
    /// single-lead task, whatever that lead is called (`--leads II` or `--leads I`), since such a record says only
    /// that it holds one ECG lead; it gives no lead to a task of several.
    public func positions(inLeadsNamed names: [String]) -> [Int?] {
        if leads.count == 1, names.count == 1, names[0].caseInsensitiveCompare(Self.unnamedSingleLead) == .orderedSame {
            return [0]
        }
        return leads.map { lead in names.firstIndex { $0.caseInsensitiveCompare(lead) == .orderedSame } }
    }

    /// Throws unless the task can be trained: classes (at least 2 for single-label), unique codes, leads and a
    /// positive rate.
    public func validate() throws(ECGTaskError) {
        guard !classes.isEmpty, labelKind == .multiLabel || classes.count >= 2 else {
            throw .tooFewClasses(classes.count, labelKind)
        }
        if let duplicate = Dictionary(grouping: classCodes, by: { $0 }).first(where: { $0.value.count > 1 })?.key {
            throw .duplicateClass(duplicate)
        }
        guard !leads.isEmpty else { throw .noLeads }
        guard samplingFrequency.isFinite, samplingFrequency > 0 else { throw .invalidSamplingFrequency(samplingFrequency) }
    }

    /// The task as one line: `single-label, 4 classes (N, A, O, ~), leads II, 300 Hz`.
    public var summary: String {
        let names = classes.count <= 8 ? " (" + classes.map(\.code).joined(separator: ", ") + ")" : ""
        return "\(labelKind), \(classes.count) classes\(names), leads \(leads.joined(separator: ",")), "
            + String(format: "%g Hz", samplingFrequency)
    }
}

/// Why a task, a lead list, a class list or class weights cannot be used; each case says what to do.
public enum ECGTaskError: Error, Sendable, Equatable, CustomStringConvertible {
    case unknownLead(String, in: String)
    case duplicateLead(String, in: String)
    case tooFewClasses(Int, ECGTask.LabelKind)
    case duplicateClass(String)
    case noLeads
    case invalidSamplingFrequency(Double)
    /// A class list, reference or class-weight file cannot be read or has a bad line.
    case invalidFile(path: String, line: Int?, reason: String)

    public var description: String {
        switch self {
        case let .unknownLead(name, text):
            "'\(name)' in '\(text)' is not a lead name: use 12, 6, 4, 3, 2, 1 (the Challenge 2021 sets and lead II) or "
                + "names among \(ECGTask.twelveLeads.joined(separator: ", ")), separated by commas"
        case let .duplicateLead(name, text):
            "lead \(name) appears twice in '\(text)'"
        case let .tooFewClasses(count, kind):
            "a \(kind) task needs \(kind == .singleLabel ? "at least 2 classes" : "a class"), not \(count)"
        case let .duplicateClass(code):
            "class \(code) appears twice in the class list"
        case .noLeads:
            "the task has no leads"
        case let .invalidSamplingFrequency(rate):
            "sampling rate \(rate) Hz is not a positive number"
        case let .invalidFile(path, line, reason):
            "\(path)\(line.map { ":\($0)" } ?? ""): \(reason)"
        }
    }
}
