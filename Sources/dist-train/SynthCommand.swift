import ArgumentParser
import ECGNets
import Foundation

/// `dist-train synth`: writes simulated records in the PhysioNet/CinC Challenge format: 12-lead records with Dx
/// codes (2020/2021 style) or single-lead records with a REFERENCE.csv (2017 style).
struct SynthCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "synth",
        abstract: "Write simulated ECG records (Challenge format: .hea + .mat; --style cinc2017 adds REFERENCE.csv).",
        discussion: """
            Each record is drawn by a dynamical heart model (in the spirit of McSharry's ECGSYN) projected onto \
            the 12 leads, with rhythm and morphology from the conditions it draws (all 24 classes the 2020 Challenge \
            metric scores: sinus rhythm, sinus brady- and tachycardia, bradycardia, sinus arrhythmia, atrial \
            fibrillation and flutter, PACs, PVCs, 1st-degree AV block and prolonged PR, RBBB, IRBBB, LBBB, \
            LAnFB, NSIVCB, pacing, axis deviation, low QRS voltage, prolonged QT, Q-wave and T-wave \
            abnormality, T-wave inversion), with PR, QRS, QTc, axis and heart rate spread between patients as \
            in published reference ranges, noise and baseline wander. Its Dx \
            line lists the SNOMED-CT codes of what was drawn. --style cinc2017 writes records as the 2017 \
            Challenge has them instead: lead II alone at 300 Hz, 9 to 30 s long, labelled in REFERENCE.csv as \
            N (normal sinus rhythm), A (atrial fibrillation), O (other rhythm: PVCs, AV or bundle branch block, \
            flutter) or ~ (buried in noise). The same seed gives the same bytes.
            """)

    /// The kind of records written.
    enum Style: String, ExpressibleByArgument, CaseIterable {
        case challenge2020 = "2020", cinc2017
    }

    @Option(help: "Directory to write the records into (created if missing).")
    var out: String

    @Option(help: "Number of records.")
    var records = 100

    @Option(help: "Seed of the simulation.")
    var seed: UInt64 = 0

    @Option(help: "Name prefix of the records (followed by a five-digit number; default SIM, or A for cinc2017).")
    var prefix: String?

    @Option(help: "2020: 12-lead records at 500 Hz with Dx codes; cinc2017: lead II at 300 Hz with REFERENCE.csv.")
    var style: Style = .challenge2020

    @Option(help: ArgumentHelp("File of class weights, one CLASS WEIGHT per line (e.g. 'PAC 3', 'AF 0'): factors on the odds of drawing each class (2020 style).", valueName: "FILE"))
    var classWeights: String?

    @Flag(help: "Add the occasional recording faults: electrode motion, mains interference, saturation, a flat lead (2020 style).")
    var artifacts = false

    func validate() throws {
        guard records >= 1 else { throw ValidationError("--records must be at least 1.") }
        if (artifacts || classWeights != nil) && style == .cinc2017 {
            throw ValidationError("--artifacts and --class-weights apply to --style 2020 records; the cinc2017 style draws its own classes.")
        }
        if let prefix, prefix.isEmpty || !prefix.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) {
            throw ValidationError("--prefix must be letters, digits or underscores (got '\(prefix)').")
        }
    }

    /// Writes the CinC 2017 style set and its REFERENCE.csv.
    private func writeCinC2017(to directory: URL) throws {
        let simulator = CinC2017Simulator(seed: seed)
        let writer = ChallengeRecordWriter()
        var reference = ""
        var counts: [String: Int] = [:]
        for index in 0..<records {
            let simulated = simulator.record(at: index)
            let id = String(format: "%@%05d", prefix ?? "A", index + 1)
            _ = try writer.write(simulated.record(id: id, in: directory), to: directory)
            reference += "\(id),\(simulated.label)\n"
            counts[simulated.label, default: 0] += 1
        }
        try Data(reference.utf8).write(to: directory.appendingPathComponent("REFERENCE.csv"), options: .atomic)
        print("synth: wrote \(records) single-lead records (II, 300 Hz) and REFERENCE.csv to \(directory.path) (seed \(seed))")
        print("synth: " + ECGTask.cinc2017Classes.map { "\($0.code) \(counts[$0.code] ?? 0)" }.joined(separator: ", "))
    }

    func run() throws {
        let directory = URL(fileURLWithPath: out)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        if style == .cinc2017 { return try writeCinC2017(to: directory) }
        let weights = try classWeights.map { try ECGSimulator.Configuration.classWeights(contentsOf: URL(fileURLWithPath: $0)) } ?? [:]
        let simulator = try ECGSimulator(seed: seed, configuration: ECGSimulator.Configuration(artifacts: artifacts, classWeights: weights))
        let writer = ChallengeRecordWriter()
        var counts: [String: Int] = [:]
        for index in 0..<records {
            let simulation = simulator.record(at: index)
            _ = try writer.write(simulation.record(id: String(format: "%@%05d", prefix ?? "SIM", index + 1), in: directory), to: directory)
            for condition in simulation.conditions { counts[condition.abbreviation, default: 0] += 1 }
            if (index + 1) % 500 == 0 && index + 1 < records { print("synth: \(index + 1)/\(records) records") }
        }
        print("synth: wrote \(records) records to \(directory.path) (seed \(seed))")
        print("synth: " + counts.sorted { $0.value > $1.value }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
    }
}
