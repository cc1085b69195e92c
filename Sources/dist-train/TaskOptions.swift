import ArgumentParser
import ECGNets
import Foundation

/// The task flags of `prepare` (and of commands that prepare a record directory on the fly): where labels come
/// from, which leads to keep, and what to do with records that have a flat or missing lead.
struct TaskOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Class list for the header's Dx codes: 2020 (the 27 scored classes, default), 2021 (its 30), or a file of SNOMED-CT codes (one per line, optionally CODE,NAME; or a Challenge dx_mapping CSV).", valueName: "2020|2021|FILE"))
    var classes: String?

    @Option(help: ArgumentHelp("Labels from a CinC 2017 style reference file (RECORD,LABEL lines, e.g. A00001,N) instead of the headers: a single-label task. Default: REFERENCE.csv at the top of --data if there is one and --classes is not given.", valueName: "FILE"))
    var reference: String?

    @Option(help: ArgumentHelp("Leads to keep, by name: 12, 6, 4, 3 or 2 (the Challenge 2021 sets), 1 or II (lead II), or names such as I,II,V2. A record whose one lead is named ECG (CinC 2017's) gives the lead of a one-lead set (--leads II, or --leads I, the lead it is).", valueName: "SET|NAMES"))
    var leads = "12"

    @Flag(help: "Skip records with a flat, NaN or missing lead (by default such a lead is stored as zeros and masked, and the record is kept and counted).")
    var dropFlatLeads = false

    func validate() throws {
        guard classes == nil || reference == nil else {
            throw ValidationError("give --classes (labels from the headers) or --reference (labels from a file), not both.")
        }
        _ = try leadNames()
    }

    /// The leads `--leads` names; a `ValidationError` says what is wrong.
    func leadNames() throws -> [String] {
        do {
            return try ECGTask.leads(parsing: leads)
        } catch {
            throw ValidationError("--leads: \(error)")
        }
    }

    /// The label source: `--reference`, `--classes`, else `REFERENCE.csv` in `dataDirectory`, else the 2020 classes.
    func labelSource(dataDirectory: URL?) throws -> ECGLabelSource {
        do {
            if let reference { return try .reference(at: URL(fileURLWithPath: reference)) }
            switch classes {
            case "2020": return .challenge2020
            case "2021": return .challenge2021
            case let path?: return try .snomedList(at: URL(fileURLWithPath: path))
            case nil:
                if let found = dataDirectory?.appendingPathComponent("REFERENCE.csv"),
                   FileManager.default.fileExists(atPath: found.path) {
                    return try .reference(at: found)
                }
                return .challenge2020
            }
        } catch {
            throw ValidationError("\(error)")
        }
    }
}
