#if canImport(Glibc)
import Glibc
#endif
import GentrainCore

/// The error for a file that is not valid safetensors.
func malformed(_ what: String) -> GentrainError {
    GentrainError(.io, "malformed safetensors file: \(what)")
}

/// Reading and writing safetensors files, the format Python's `safetensors` package and
/// PyTorch use: an 8-byte little-endian header length, a JSON header naming each tensor's
/// dtype, shape and byte range, optional string metadata under `__metadata__`, then the data.
///
/// Every header field is checked before any data is read, as strictly as the format's reference
/// reader: a file with a bad header length, an unknown dtype, a shape that does not match its
/// byte range, byte ranges that overlap, leave gaps or stop short of the end of the file, or
/// truncated data is an error, never a crash.
public enum SafeTensors {
    static let maxHeaderBytes = 100 << 20

    static func code(_ d: DType) -> String {
        switch d {
        case .float32: return "F32"
        case .float64: return "F64"
        case .bfloat16: return "BF16"
        case .float16: return "F16"
        case .int32: return "I32"
        case .int64: return "I64"
        case .bool: return "BOOL"
        }
    }

    static func dtype(_ code: String) -> DType? {
        DType.allCases.first { self.code($0) == code }
    }

    /// Writes `tensors` (in order) and `metadata` to `path` atomically: the data goes to a
    /// temporary file beside it, is flushed to disk, and replaces `path` by a rename, so a
    /// crash at any moment leaves either the old file or the new one.
    public static func save(_ tensors: [(String, Tensor)], metadata: [String: String] = [:], to path: String) throws {
        var names = Set<String>()
        var header = "{"
        var offset = 0
        var parts: [Tensor] = []
        if !metadata.isEmpty {
            header += JSON.quote("__metadata__") + ":{"
            header += metadata.sorted { $0.key < $1.key }.map { JSON.quote($0.key) + ":" + JSON.quote($0.value) }.joined(separator: ",")
            header += "},"
        }
        for (name, t) in tensors {
            guard names.insert(name).inserted, name != "__metadata__" else {
                throw GentrainError(.invalidArgument, "safetensors: duplicate or reserved tensor name '\(name)'")
            }
            let c = try withNoGrad { try t.contiguous() }
            let bytes = c.numel * c.dtype.itemSize
            header += JSON.quote(name) + ":{\"dtype\":\"\(code(c.dtype))\",\"shape\":[" + c.shape.map(String.init).joined(separator: ",")
                + "],\"data_offsets\":[\(offset),\(offset + bytes)]},"
            offset += bytes
            parts.append(c)
        }
        if header.hasSuffix(",") { header.removeLast() }
        header += "}"
        while (header.utf8.count + 8) % 8 != 0 { header += " " }

        try AtomicFile.write(path) { file in
            var length = UInt64(header.utf8.count).littleEndian
            try withUnsafeBytes(of: &length) { try file.write($0.baseAddress!, $0.count) }
            var h = header
            try h.withUTF8 { try file.write($0.baseAddress!, $0.count) }
            for c in parts {
                try file.write(c.storage.data + c.offset * c.dtype.itemSize, c.numel * c.dtype.itemSize)
            }
        }
    }

    /// The tensors (in file order) and metadata of a safetensors file, checked as described above.
    public static func load(_ path: String) throws -> (tensors: [(String, Tensor)], metadata: [String: String]) {
        let file = try ReadFile(path)
        let size = file.size
        guard size >= 8 else { throw malformed("\(path) is \(size) bytes, shorter than the 8-byte header length") }
        var raw: UInt64 = 0
        try withUnsafeMutableBytes(of: &raw) { try file.read(into: $0.baseAddress!, count: 8, at: 0) }
        let headerLength = UInt64(littleEndian: raw)
        guard headerLength <= UInt64(maxHeaderBytes), Int(headerLength) <= size - 8 else {
            throw malformed("\(path): header length \(headerLength) exceeds the file (\(size) bytes)")
        }
        let n = Int(headerLength)
        let headerBytes = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: max(n, 1))
        defer { headerBytes.deallocate() }
        try file.read(into: headerBytes.baseAddress!, count: n, at: 8)
        guard case .object(let entries) = try JSON.parse(UnsafeBufferPointer(rebasing: headerBytes[0..<n])) else {
            throw malformed("\(path): the header is not a JSON object")
        }
        let dataStart = 8 + n, dataSize = size - dataStart
        var metadata: [String: String] = [:]
        var entriesFound: [(name: String, dtype: DType, shape: [Int], begin: Int, end: Int)] = []
        var seen = Set<String>()
        for (name, entry) in entries {
            guard seen.insert(name).inserted else { throw malformed("\(path): tensor '\(name)' appears twice") }
            if name == "__metadata__" {
                guard case .object(let pairs) = entry else { throw malformed("\(path): __metadata__ is not an object") }
                for (k, v) in pairs {
                    guard case .string(let s) = v else { throw malformed("\(path): metadata '\(k)' is not a string") }
                    metadata[k] = s
                }
                continue
            }
            guard case .object(let fields) = entry,
                  case .string(let code)? = fields.first(where: { $0.0 == "dtype" })?.1,
                  case .array(let dims)? = fields.first(where: { $0.0 == "shape" })?.1,
                  case .array(let offsets)? = fields.first(where: { $0.0 == "data_offsets" })?.1 else {
                throw malformed("\(path): tensor '\(name)' needs dtype, shape and data_offsets")
            }
            guard let dtype = dtype(code) else { throw malformed("\(path): tensor '\(name)' has unsupported dtype \(code)") }
            var shape: [Int] = []
            for d in dims {
                guard case .integer(let v) = d, v >= 0 else { throw malformed("\(path): tensor '\(name)' has an invalid shape") }
                shape.append(v)
            }
            guard shape.count <= 64, offsets.count == 2, case .integer(let begin) = offsets[0], case .integer(let end) = offsets[1],
                  begin >= 0, begin <= end, end <= dataSize else {
                throw malformed("\(path): tensor '\(name)' has data_offsets outside the \(dataSize) data bytes")
            }
            let numel: Int
            do { numel = try checkedNumel(shape) } catch { throw malformed("\(path): tensor '\(name)' has an invalid shape") }
            guard numel.multipliedReportingOverflow(by: dtype.itemSize) == (end - begin, false) else {
                throw malformed("\(path): tensor '\(name)' of shape \(shapeString(shape)) and dtype \(code) needs \(numel * dtype.itemSize) bytes, its range holds \(end - begin)")
            }
            entriesFound.append((name, dtype, shape, begin, end))
        }
        // The byte ranges tile the data exactly: in offset order each starts where the last ended.
        var next = 0
        for e in entriesFound.sorted(by: { ($0.begin, $0.end) < ($1.begin, $1.end) }) {
            guard e.begin == next else {
                throw malformed("\(path): tensor '\(e.name)' starts at byte \(e.begin) of the data, expected \(next) (ranges overlap or leave a gap)")
            }
            next = e.end
        }
        guard next == dataSize else { throw malformed("\(path): the tensors cover \(next) of the \(dataSize) data bytes") }
        let tensors = try entriesFound.map { e -> (String, Tensor) in
            let t = try Tensor(empty: e.shape, dtype: e.dtype)
            try file.read(into: t.storage.data, count: e.end - e.begin, at: dataStart + e.begin)
            return (e.name, t)
        }
        return (tensors, metadata)
    }
}

/// A file written through a temporary beside it and renamed into place once on disk.
enum AtomicFile {
    final class Writer {
        let fd: Int32
        init(_ fd: Int32) { self.fd = fd }

        func write(_ p: UnsafeRawPointer, _ count: Int) throws {
            var done = 0
            while done < count {
                let n = Glibc.write(fd, p + done, count - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw GentrainError(.io, "write failed: \(String(cString: strerror(errno)))")
                }
                done += n
            }
        }
    }

    static func write(_ path: String, _ body: (Writer) throws -> Void) throws {
        removeStaleTemporaries(of: path)
        let tmp = "\(path).tmp.\(getpid())"
        let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw GentrainError(.io, "cannot create \(tmp): \(String(cString: strerror(errno)))") }
        do {
            try body(Writer(fd))
            guard fsync(fd) == 0 else { throw GentrainError(.io, "fsync of \(tmp) failed: \(String(cString: strerror(errno)))") }
        } catch {
            close(fd)
            unlink(tmp)
            throw error
        }
        close(fd)
        guard rename(tmp, path) == 0 else {
            let message = String(cString: strerror(errno))
            unlink(tmp)
            throw GentrainError(.io, "cannot rename \(tmp) to \(path): \(message)")
        }
        // Make the rename itself durable.
        let dfd = open(directory(of: path).path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dfd >= 0 { fsync(dfd); close(dfd) }
    }
}

extension AtomicFile {
    /// Removes `<path>.tmp.<pid>` files left by saves of processes that no longer exist (killed
    /// mid-save). A file of a live process, or one this process cannot see, is left alone.
    static func removeStaleTemporaries(of path: String) {
        let (dir, file) = directory(of: path)
        let prefix = file + ".tmp."
        guard let d = opendir(dir) else { return }
        defer { closedir(d) }
        while let entry = readdir(d) {
            // Read the name in place: glibc sizes each entry to its name, so copying the whole
            // d_name array could read past the directory buffer's end.
            let name = withUnsafePointer(to: &entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: MemoryLayout.size(ofValue: $0.pointee)) { String(cString: $0) }
            }
            guard name.hasPrefix(prefix), let pid = Int32(name.dropFirst(prefix.count)), pid > 0, pid != getpid() else { continue }
            if kill(pid, 0) != 0 && errno == ESRCH { unlink(dir + "/" + name) }
        }
    }

    /// The directory of `path` ("." for a bare name, "/" at the root) and the name within it.
    static func directory(of path: String) -> (path: String, file: String) {
        guard let slash = path.lastIndex(of: "/") else { return (".", path) }
        let dir = String(path[..<slash])
        return (dir.isEmpty ? "/" : dir, String(path[path.index(after: slash)...]))
    }
}

/// A file opened for reading at offsets.
final class ReadFile {
    let fd: Int32
    let size: Int
    let path: String

    init(_ path: String) throws {
        self.path = path
        fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw GentrainError(.io, "cannot open \(path): \(String(cString: strerror(errno)))") }
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            close(fd)
            throw GentrainError(.io, "cannot stat \(path)")
        }
        size = Int(st.st_size)
    }

    deinit { close(fd) }

    func read(into p: UnsafeMutableRawPointer, count: Int, at offset: Int) throws {
        var done = 0
        while done < count {
            let n = pread(fd, p + done, count - done, off_t(offset + done))
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw malformed("\(path) is truncated (reading \(count) bytes at \(offset))") }
            done += n
        }
    }
}
