import DistTensor
import ECGNets
import Foundation

/// Predictions for the evaluation tests: the official reference's outputs and labels as model arrays,
/// and seeded random ones.
enum EvaluationTestData {
    /// The 240 reference records (fixture challenge2020-scoring) as `[records × 27]` probabilities in
    /// `ChallengeClasses.challenge2020` order and targets from their `#Dx` lines, with the record ids.
    static func referencePredictions() throws -> (predictions: ModelPredictions, recordIDs: [String]) {
        let classes = ChallengeClasses.challenge2020
        let pairs = try ChallengeFilePair.find(
            labelDirectory: ChallengeFixtures.reference.appendingPathComponent("labels"),
            outputDirectory: ChallengeFixtures.reference.appendingPathComponent("outputs"))
        var probabilities: [Float] = []
        var targets: [Float] = []
        for pair in pairs {
            let output = try ChallengeOutputReader.read(contentsOf: pair.outputFile)
            var row = [Float](repeating: 0, count: classes.count)
            for (code, probability) in zip(output.classCodes, output.probabilities) {
                if let index = classes.index(of: code) { row[index] = Float(probability) }
            }
            probabilities += row
            targets += classes.encode(dxCodes: try HeaderDxLabels.read(contentsOf: pair.labelFile)).trainingTargets
        }
        return (try ModelPredictions(probabilities: probabilities, targets: targets), pairs.map(\.record))
    }

    /// `count` random records: each has one to three scored diagnoses (sinus rhythm with probability
    /// `normalShare`), and a probability per column that is higher, on average, for its diagnoses.
    static func randomPredictions(count: Int, seed: UInt64, separation: Float = 0.35) throws -> ModelPredictions {
        let classes = ChallengeClasses.challenge2020
        var random = RandomStream(seed: seed, 77)
        var probabilities: [Float] = []
        var targets: [Float] = []
        for _ in 0..<count {
            var codes: [String] = []
            if random.nextUniform() < 0.4 { codes.append(classes.normalCode) }
            let extra = Int(random.nextUniform() * 3)
            for _ in 0..<extra { codes.append(classes.codes[Int(random.nextUniform() * Float(classes.count - 1))]) }
            let rowTargets = classes.encode(dxCodes: codes).trainingTargets
            targets += rowTargets
            probabilities += rowTargets.map { target in
                min(max(random.nextUniform() * 0.6 + target * separation, 0), 1)
            }
        }
        return try ModelPredictions(probabilities: probabilities, targets: targets)
    }
}
