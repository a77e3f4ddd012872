/// `y[i] = f(x[i])` over `n` elements; in place (`y == x`) as its own loop, which vectorizes
/// (the general loop's overlap check would send every element down the scalar path).
@inline(__always)
func map1<T>(_ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>, _ n: Int, _ f: (T) -> T) {
    if UnsafePointer(y) == x {
        for i in 0..<n { y[i] = f(y[i]) }
    } else {
        for i in 0..<n { y[i] = f(x[i]) }
    }
}
