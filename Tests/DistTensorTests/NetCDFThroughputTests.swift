import DistTensor
import Foundation
import Testing

/// A measurement, not a timed test: writes a checkpoint-sized file (200 float32 variables of 1 MiB, 200 MiB in
/// all, from one contiguous parameter buffer) with `writeAtomically`, reads it back, checks every value and prints
/// the times. Runs only when `DISTTENSOR_NETCDF_THROUGHPUT` is set, e.g.
/// `DISTTENSOR_NETCDF_THROUGHPUT=1 swift test -c release --filter NetCDFThroughputTests`.
@Suite(.enabled(if: ProcessInfo.processInfo.environment["DISTTENSOR_NETCDF_THROUGHPUT"] != nil,
                "set DISTTENSOR_NETCDF_THROUGHPUT=1 to measure"))
struct NetCDFThroughputTests {
    @Test func twoHundredMebibytesInTwoHundredVariables() throws {
        let variables = 200, elements = 262_144
        let directory = try NetCDFTestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("checkpoint.nc")
        let parameters = UnsafeMutableBufferPointer<Float>.allocate(capacity: variables * elements)
        defer { parameters.deallocate() }
        for index in parameters.indices { parameters[index] = Float(index % 1_000_003) * 0.001 }

        let writeStart = ContinuousClock.now
        try NetCDFFile.writeAtomically(to: url) { file in
            let axis = try file.root.createDimension(named: "n", length: elements)
            for variable in 0..<variables {
                let slice = UnsafeBufferPointer(rebasing: parameters[variable * elements ..< (variable + 1) * elements])
                try file.root.createVariable(named: "body.\(variable).weight", type: .float32, dimensions: [axis])
                    .write(slice)
            }
        }
        let writeTime = ContinuousClock.now - writeStart

        let restored = UnsafeMutableBufferPointer<Float>.allocate(capacity: variables * elements)
        defer { restored.deallocate() }
        // Touched before timing, like the live parameter buffer a resume reads into.
        restored.initialize(repeating: -1)
        let readStart = ContinuousClock.now
        let root = try NetCDFFile.open(at: url).root
        for variable in 0..<variables {
            let slice = UnsafeMutableBufferPointer(rebasing: restored[variable * elements ..< (variable + 1) * elements])
            try root.variable(named: "body.\(variable).weight").read(into: slice, start: [0], count: [elements])
        }
        let readTime = ContinuousClock.now - readStart

        #expect(restored.elementsEqual(parameters))
        let size = try FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int ?? 0
        print("NetCDF throughput: \(size) bytes; write incl. fsync + rename \(writeTime), read \(readTime)")
    }
}
