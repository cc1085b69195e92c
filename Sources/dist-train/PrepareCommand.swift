import ArgumentParser
import ECGNets
import Foundation

/// `dist-train prepare`: turns a directory of WFDB records (or simulator records) into one dataset file.
struct PrepareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prepare",
        abstract: "Prepare a dataset file (NetCDF-4) from WFDB/Challenge records or from the simulator.",
        discussion: """
            Every record under --data (at any depth) is read, checked, reduced to the --leads (picked by name; \
            a record with a single lead named ECG, as every CinC 2017 record has, gives the one lead of a \
            single-lead set such as --leads II, and no lead of a larger set), \
            resampled to --rate (as scipy.signal.resample_poly does), optionally band-passed, labelled and stored \
            as int16 microvolts, with a stratified train/validation/test split. Labels are the header's Dx codes \
            on the --classes list (multi-label; the 27 scored classes of the 2020 Challenge by default), or one \
            class per record from a CinC 2017 style REFERENCE.csv (single-label; used by default when --data has \
            one). The task (label kind, classes, leads, rate) is recorded in the file. A flat, NaN or missing lead \
            is stored as zeros and flagged in the record's lead mask, and such records are counted; \
            --drop-flat-leads skips them instead. Records that cannot be read (truncated or missing signal \
            files, lead counts that disagree, unknown formats, unparsable Dx, no reference label) are skipped and \
            listed with the reason. Files are read only inside --data: a signal file named with '..' is refused, and \
            a symbolic link leading out of --data is not followed (and listed) unless --follow-symlinks-outside; \
            links inside it are followed, each folder read once. A record is named by its header's file name (a \
            record line naming another record is a counted warning). The file appears only when complete. --simulated N prepares simulator records \
            instead of reading a directory.
            """)

    @Option(help: "Directory of WFDB records (.hea with .mat or .dat), searched recursively.")
    var data: String?

    @Option(help: "Prepare this many simulated records instead of reading --data.")
    var simulated: Int?

    @Option(help: "Seed of the simulated records.")
    var seed: UInt64 = 0

    @Option(help: "The dataset file to write.")
    var out: String

    @Option(help: "Sampling rate to resample every record to, in Hz.")
    var rate: Double = 500

    @Option(help: "Train, validation and test fractions, comma-separated.")
    var splitFractions = "0.8,0.1,0.1"

    @Option(help: "Seed of the stratified split.")
    var splitSeed: UInt64 = 0

    @Flag(help: "Drop records that have no scored label (by default they are kept as negatives).")
    var dropUnlabelled = false

    @Option(help: "Butterworth band-pass corners in Hz as LOW-HIGH, e.g. 0.5-40 (default: none).")
    var bandPass: String?

    @Option(help: "Order of the band-pass.")
    var bandPassOrder = 4

    @Option(help: "Deflate level 1-9 of the signals (default: uncompressed, fastest to read).")
    var deflate: Int?

    @Option(help: ArgumentHelp("With --simulated: a file of class weights, one CLASS WEIGHT per line (e.g. 'PAC 3', 'AF 0'), factors on the odds of drawing each class (as synth --class-weights).", valueName: "FILE"))
    var classWeights: String?

    @Flag(help: "With --simulated: give records the occasional recording faults (electrode motion, mains, amplifier saturation, a flat lead), as synth --artifacts and the built-in default dataset do.")
    var artifacts = false

    @Flag(help: "Also read records and folders that symbolic links in --data lead to outside it (by default such links are not followed, and listed).")
    var followSymlinksOutside = false

    @OptionGroup var task: TaskOptions

    @OptionGroup var threading: ThreadOptions

    func validate() throws {
        guard (data == nil) != (simulated == nil) else {
            throw ValidationError("give either --data DIR or --simulated N (not both, not neither).")
        }
        if let simulated, simulated < 1 { throw ValidationError("--simulated must be at least 1 (got \(simulated)).") }
        if classWeights != nil && simulated == nil {
            throw ValidationError("--class-weights chooses the mix of simulated records: use it with --simulated N.")
        }
        if artifacts && simulated == nil {
            throw ValidationError("--artifacts adds recording faults to simulated records: use it with --simulated N.")
        }
        _ = try options()
    }

    func run() throws {
        threading.apply()
        let weights = try classWeights.map { try ECGSimulator.Configuration.classWeights(contentsOf: URL(fileURLWithPath: $0)) } ?? [:]
        let source: ECGDatasetSource = simulated.map { .simulator(count: $0, seed: seed, classWeights: weights, artifacts: artifacts) }
            ?? .directory(URL(fileURLWithPath: data ?? "."))
        let output = URL(fileURLWithPath: out)
        try FileManager.default.createDirectory(at: output.deletingLastPathComponent(), withIntermediateDirectories: true)
        var report = ECGDatasetPreparationReport(label: "prepare", output: Console.line)
        let options = try options()
        print("prepare: \(source) -> \(output.path)")
        print("prepare: task \(options.task.summary); labels from \(options.labels)")
        let summary = try ECGDatasetPreparation(options: options)
            .prepare(source, to: output) { report.show($0) }
        report.show(summary)
    }

    /// The preparation options the flags describe; throws a `ValidationError` naming the bad flag.
    private func options() throws -> ECGDatasetPreparationOptions {
        let parts = splitFractions.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
        guard parts.count == 3, let train = parts[0], let validation = parts[1], let test = parts[2] else {
            throw ValidationError("--split-fractions needs three numbers TRAIN,VALIDATION,TEST (got '\(splitFractions)').")
        }
        let fractions: DatasetSplitFractions
        do {
            fractions = try DatasetSplitFractions(train: train, validation: validation, test: test)
        } catch {
            throw ValidationError("--split-fractions: \(error)")
        }
        var bandPassFilter: ECGBandPass?
        if let bandPass {
            let corners = bandPass.split(separator: "-").map { Double($0.trimmingCharacters(in: .whitespaces)) }
            guard corners.count == 2, let low = corners[0], let high = corners[1] else {
                throw ValidationError("--band-pass needs LOW-HIGH in Hz, e.g. 0.5-40 (got '\(bandPass)').")
            }
            bandPassFilter = ECGBandPass(order: bandPassOrder, lowCutoff: low, highCutoff: high)
        }
        var options = ECGDatasetPreparationOptions(
            samplingFrequency: rate, labels: try task.labelSource(dataDirectory: data.map { URL(fileURLWithPath: $0) }),
            leads: try task.leadNames(), dropsFlatLeads: task.dropFlatLeads, bandPass: bandPassFilter,
            splitFractions: fractions, splitSeed: splitSeed, keepsUnlabelledRecords: !dropUnlabelled, deflateLevel: deflate)
        options.followsSymlinksOutside = followSymlinksOutside
        do {
            try options.validate()
        } catch {
            throw ValidationError("\(error)")
        }
        return options
    }
}
