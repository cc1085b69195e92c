import Foundation

extension SimulatedECG {
    /// This simulation as an `ECGRecord` named `id` in `directory`, with its drawn conditions as Dx codes, so
    /// the record writer can store it in the Challenge format.
    public func record(id: String, in directory: URL) -> ECGRecord {
        ECGRecord(id: id, samplingFrequency: samplingRate, leadNames: SimulatedECG.leadNames, signals: leads,
                  diagnosisCodes: dxCodes, age: Double(age), sex: ECGSex(headerText: sex) ?? .unknown,
                  sourceDirectory: directory)
    }
}
