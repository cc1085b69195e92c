import Foundation

/// Projects the heart vector (Frank X, Y, Z) onto the 12 standard leads and measures the frontal axis.
///
/// The eight independent leads (I, II, V1–V6) are linear in the heart vector with the coefficients of Dower's
/// transformation (G. E. Dower, H. B. Machado, J. A. Osborne, "On deriving the electrocardiogram from
/// vectorcardiographic leads", Clin. Cardiol. 3:87–95, 1980; the same table is reproduced by Edenbrandt and
/// Pahlm, J. Electrocardiol. 21:361–367, 1988). Frank axes: X points to the patient's left, Y to the feet, Z to
/// the back. The other four limb leads follow from Einthoven's and Goldberger's relations.
enum LeadProjection {
    /// Dower coefficients (X, Y, Z) of lead I.
    static let leadI = SIMD3<Double>(0.632, -0.235, 0.059)
    /// Dower coefficients (X, Y, Z) of lead II.
    static let leadII = SIMD3<Double>(0.235, 1.066, -0.132)
    /// Dower coefficients (X, Y, Z) of V1 through V6.
    static let precordial: [SIMD3<Double>] = [
        SIMD3(-0.515, 0.157, -0.917),
        SIMD3(0.044, 0.164, -1.387),
        SIMD3(0.882, 0.098, -1.277),
        SIMD3(1.213, 0.127, -0.601),
        SIMD3(1.125, 0.127, -0.086),
        SIMD3(0.831, 0.076, 0.230),
    ]

    /// Lead vectors of all 12 leads in `SimulatedECG.leadNames` order.
    static let allLeads: [SIMD3<Double>] = {
        let leadIII = leadII - leadI
        let aVR = -(leadI + leadII) / 2
        let aVL = leadI - leadII / 2
        let aVF = leadII - leadI / 2
        return [leadI, leadII, leadIII, aVR, aVL, aVF] + precordial
    }()

    /// The six limb leads' vectors (I, II, III, aVR, aVL, aVF).
    static var limbLeads: ArraySlice<SIMD3<Double>> { allLeads[0..<6] }

    /// The frontal axis in degrees (-180, 180] of a QRS whose net area vector is `area`.
    ///
    /// Hexaxial reference: lead I lies at 0° and aVF at +90°, and with Einthoven's triangle aVF's lead vector is
    /// √3/2 as long as lead I's, so the axis is atan2(2·aVF / √3, I).
    static func frontalAxis(ofArea area: SIMD3<Double>) -> Double {
        let leadIArea = (leadI * area).sum()
        let aVFArea = ((leadII - leadI / 2) * area).sum()
        return atan2(2 * aVFArea / 3.0.squareRoot(), leadIArea) * 180 / Double.pi
    }

    /// The 12 leads of a record in mV: the heart vector projected onto each lead plus the electrode noise seen
    /// by that lead (limb leads between limb electrodes, chest leads against Wilson's central terminal).
    static func leads(of trace: HeartVectorTrace, noise: RecordingNoise) -> [[Float]] {
        let count = trace.sampleCount
        var flat = [Float](repeating: 0, count: 12 * count)
        let vectorI = leadI, vectorII = leadII
        let chest = precordial
        trace.planes.withUnsafeBufferPointer { heart in
            noise.planes.withUnsafeBufferPointer { electrodes in
                flat.withUnsafeMutableBufferPointer { output in
                    for index in 0..<count {
                        let vector = SIMD3(heart[index], heart[count + index], heart[2 * count + index])
                        let rightArm = electrodes[index]
                        let leftArm = electrodes[count + index]
                        let leftLeg = electrodes[2 * count + index]
                        let centralTerminal = (rightArm + leftArm + leftLeg) / 3
                        let first = (vectorI * vector).sum() + leftArm - rightArm
                        let second = (vectorII * vector).sum() + leftLeg - rightArm
                        output[index] = Float(first)
                        output[count + index] = Float(second)
                        output[2 * count + index] = Float(second - first)
                        output[3 * count + index] = Float(-(first + second) / 2)
                        output[4 * count + index] = Float(first - second / 2)
                        output[5 * count + index] = Float(second - first / 2)
                        for (offset, lead) in chest.enumerated() {
                            let electrode = electrodes[(RecordingNoise.firstChestElectrode + offset) * count + index]
                            output[(6 + offset) * count + index] = Float((lead * vector).sum() + electrode - centralTerminal)
                        }
                    }
                }
            }
        }
        return (0..<12).map { Array(flat[($0 * count)..<(($0 + 1) * count)]) }
    }
}
