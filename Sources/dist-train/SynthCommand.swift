import ArgumentParser
import ECGNets
import Foundation

/// `dist-train synth`: writes simulated 12-lead records in the PhysioNet/CinC Challenge format.
struct SynthCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "synth",
        abstract: "Write simulated 12-lead ECG records (Challenge format: .hea + .mat).",
        discussion: """
            Each record is drawn by a dynamical heart model (in the spirit of McSharry's ECGSYN) projected onto \
            the 12 leads, with rhythm and morphology from the conditions it draws (sinus rhythm, brady- and \
            tachycardia, atrial fibrillation and flutter, 1st-degree AV block, RBBB, LBBB, PVCs, axis \
            deviation, low QRS voltage, prolonged QT, T-wave inversion), noise and baseline wander. Its Dx \
            line lists the SNOMED-CT codes of what was drawn. The same seed gives the same bytes.
            """)

    @Option(help: "Directory to write the records into (created if missing).")
    var out: String

    @Option(help: "Number of records.")
    var records = 100

    @Option(help: "Seed of the simulation.")
    var seed: UInt64 = 0

    @Option(help: "Name prefix of the records (followed by a five-digit number).")
    var prefix = "SIM"

    func validate() throws {
        guard records >= 1 else { throw ValidationError("--records must be at least 1.") }
        guard !prefix.isEmpty, prefix.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
            throw ValidationError("--prefix must be letters, digits or underscores (got '\(prefix)').")
        }
    }

    func run() throws {
        let directory = URL(fileURLWithPath: out)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let simulator = ECGSimulator(seed: seed)
        let writer = ChallengeRecordWriter()
        var counts: [String: Int] = [:]
        for index in 0..<records {
            let simulation = simulator.record(at: index)
            _ = try writer.write(simulation.record(id: String(format: "%@%05d", prefix, index + 1), in: directory), to: directory)
            for condition in simulation.conditions { counts[condition.abbreviation, default: 0] += 1 }
            if (index + 1) % 500 == 0 && index + 1 < records { print("synth: \(index + 1)/\(records) records") }
        }
        print("synth: wrote \(records) records to \(directory.path) (seed \(seed))")
        print("synth: " + counts.sorted { $0.value > $1.value }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
    }
}
