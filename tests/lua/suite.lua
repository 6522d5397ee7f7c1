-- suite.lua: Lua 5.4 on VeridianOS (userland/lua), compared line by line
-- with suite.expected, this script's output under the host's Lua
-- (docs/userland.md says how to regenerate it).  Everything printed must be
-- the same on every platform: no addresses, no times, no pairs() order over
-- string keys, no NaN signs.
print("lua suite: " .. _VERSION)

-- arithmetic: integers, floats, conversions
print("arith", 7 // 2, 7.0 // 2, 7 % -3, -7 % 3, 7.5 % 2, 2^10, 10 / 4, 3 | 5, 6 & 3, 1 << 62, ~0, 5 ~ 3)
print("limits", math.maxinteger, math.mininteger, math.maxinteger + 1 == math.mininteger, -math.mininteger)
print("floats", 1e15, 1e16, 2^53, -0.0, 1/0, -1/0, 0.1 + 0.2, 1/3, 100 * 1.1)
local nan = 0/0
print("nan", nan ~= nan, math.type(1), math.type(1.0), math.type("1"), 3 == 3.0)
print("coerce", "10" + 5, "3.5" * 2, 10 .. 20, tonumber("0x1F"), tonumber("  12  "), tonumber("1e2"), tonumber("z", 36), tonumber("abc"))
print("tointeger", math.tointeger(3.0), math.tointeger(3.5), 3.0 == 3, string.format("%d", 3.0))
print("compare", 1 < 2, "a" < "b", "Z" < "a", "abc" < "abd", 2^63 == math.mininteger, math.ult(1, -1))

-- the string library and string.format
local s = "Hello, VeridianOS!"
print("string", #s, s:upper(), s:lower(), s:sub(1, 5), s:sub(-3), s:rep(2, "|"), s:reverse())
print("find", s:find("Veridian"), s:find("o", 6, true), s:match("(%a+), (%a+)"), s:find("xyz"))
print("gsub", s:gsub("o", "0"), ("hello world"):gsub("(%w+)", "<%1>"), ("abc"):gsub("", "-"))
print("bytes", s:byte(1, 3), string.char(72, 105), ("%d"):format(42))
local words = {}
for w in ("the quick brown fox"):gmatch("%a+") do words[#words + 1] = w end
print("gmatch", table.concat(words, ","), #words)
print("format", string.format("%5.2f|%-8d|%x|%X|%o|%g|%g|%g", 3.14159, 42, 255, 255, 8, 1e20, 0.1, 100))
print("format", string.format("%10.3s|%-6s|%q|%c%c", "abcdef", "ab", 'a "quoted"\n\0 string', 76, 117))
print("format", string.format("%e|%.3e|%E|%.0f|%+.1f|% d|%05d", 123456.789, 0.00012345, 1e-10, 2.5, 1.25, 7, -42))
print("format", string.format("%a|%a|%.3a|%q|%q|%q", 1.0, 0.1, 1/3, 1.5, math.mininteger, 2^63))
print("format", string.format("%i|%u|%5.1s|%%|%.14g|%.17g", -3, 42, "xyz", math.pi, 0.1))
print("tostring", tostring(1e100), tostring(-1e-100), tostring(123456789012), tostring(2^63), 1e300 * 1e10, tostring(3.0))
print("pack", string.unpack("<i4", string.pack("<i4", -2)), #string.pack("z", "abc"), string.pack(">I2", 258):byte(1, -1))

-- tables and sort
local t = {5, 3, 8, 1, 9, 2, 7}
table.sort(t)
print("sort", table.concat(t, " "))
table.sort(t, function(a, b) return a > b end)
print("sort desc", table.concat(t, " "))
local people = {{name = "ada", age = 36}, {name = "bob", age = 25}, {name = "cyd", age = 31}}
table.sort(people, function(a, b) return a.age < b.age end)
local names = {}
for i, p in ipairs(people) do names[i] = p.name .. ":" .. p.age end
print("sort records", table.concat(names, " "))
table.insert(t, 1, 100)
table.insert(t, 0)
print("insert remove", table.remove(t), table.remove(t, 1), #t, table.unpack(t, 1, 3))
print("move", table.concat(table.move({1, 2, 3}, 1, 3, 2, {9, 9, 9, 9}), ","), select("#", table.unpack({1, nil, 3}, 1, 3)))
local keys = {}
for k in pairs({alpha = 1, beta = 2, gamma = 3, delta = 4}) do keys[#keys + 1] = k end
table.sort(keys)
print("keys", table.concat(keys, " "), #{1, 2, 3, nil}, next({}))
local big = {}
for i = 1, 10000 do big[i] = (i * 7919) % 10007 end
table.sort(big)
print("big sort", big[1], big[5000], big[10000])

-- closures
local function counter()
    local n = 0
    return function() n = n + 1 return n end
end
local c1, c2 = counter(), counter()
c1() c1()
print("closures", c1(), c2(), c1())
local fns = {}
for i = 1, 3 do fns[i] = function() return i * 10 end end
print("loop upvalues", fns[1](), fns[2](), fns[3]())
local function shared()
    local v = 0
    return function() v = v + 1 end, function() return v end
end
local inc, get = shared()
inc() inc() inc()
print("shared upvalue", get())
local function fib(n) if n < 2 then return n end return fib(n - 1) + fib(n - 2) end
print("recursion", fib(20), select(2, "a", "b", "c"), (function(...) return select("#", ...) end)(1, nil, nil))

-- coroutines
local gen = coroutine.wrap(function() for i = 1, 3 do coroutine.yield(i * i) end return "done" end)
print("wrap", gen(), gen(), gen(), gen())
local co = coroutine.create(function(a, b)
    local c = coroutine.yield(a + b)
    local d, e = coroutine.yield(c * 2)
    return d + e
end)
print("resume", coroutine.resume(co, 1, 2))
print("resume", coroutine.resume(co, 10))
print("resume", coroutine.resume(co, 3, 4))
print("status", coroutine.status(co), coroutine.resume(co))
local bad = coroutine.create(function() error("boom") end)
print("error in coroutine", coroutine.resume(bad))
print("isyieldable", coroutine.isyieldable(), coroutine.running() ~= nil)
local producer = coroutine.wrap(function()
    for _, w in ipairs({"one", "two", "three"}) do coroutine.yield(w) end
end)
local got = {}
for w in producer do got[#got + 1] = w end
print("producer", table.concat(got, "+"))

-- pcall and error
print("pcall", pcall(error, "plain"))
print("pcall", type(select(2, pcall(error, {code = 7}))))
print("pcall", select("#", pcall(error, setmetatable({}, {__tostring = function() return "custom" end}))))
print("pcall", pcall(function() error("with position") end))
print("pcall", pcall(function() error("level 2", 2) end))
print("pcall", pcall(function() local x = nil; return x.field end))
print("pcall", pcall(function() return 1 + {} end))
print("pcall", pcall(function() return 1 // 0 end))
print("xpcall", xpcall(function() error("handled") end, function(m) return "handler: " .. m end))
print("error value", select(2, pcall(error)))
local ok, e = pcall(function() error({code = 42}) end)
print("error table", ok, type(e), e.code)
print("assert", pcall(assert, false, "assertion message"), pcall(assert, 1, 2))

-- utf8
local u = "héllo wörld ✓"
print("utf8", #u, utf8.len(u), utf8.char(72, 233, 0x2713), utf8.codepoint(u, 2), utf8.offset(u, 3))
local cps = {}
for _, cp in utf8.codes("añ✓") do cps[#cps + 1] = cp end
print("utf8 codes", table.concat(cps, " "), utf8.len("\xff"), utf8.charpattern)

-- math
print("math", math.floor(3.7), math.ceil(3.2), math.floor(-3.5), math.abs(-4), math.max(3, 9, 2), math.min(3, 9, 2))
print("math", math.sqrt(16), math.sqrt(2), math.huge, -math.huge, math.pi)
print("math", string.format("%.12f %.12f %.12f %.12f", math.sin(1), math.cos(1), math.tan(1), math.atan(1, 2)))
print("math", string.format("%.12f %.12f %.12f %.12f", math.exp(1), math.log(10), math.log(8, 2), math.log(100, 10)))
print("math", math.fmod(7, 3), math.fmod(-7, 3), math.fmod(7.5, 2), math.modf(3.7), math.modf(-3.7))
print("math", 2^0.5 == math.sqrt(2), math.floor(2^31 + 0.5), 7 // 0.0, -7 // 0.0, math.abs(math.mininteger))
math.randomseed(42)
local r = {}
for i = 1, 5 do r[i] = math.random(1, 100) end
print("random", table.concat(r, " "), math.random(0) ~= nil)

-- the os and io libraries, where deterministic
print("os.date", os.date("!%Y-%m-%d %H:%M:%S", 0), os.date("!%A %B %j", 86400 * 59))
local d = os.date("!*t", 951782400)
print("os.date *t", d.year, d.month, d.day, d.yday, d.wday, d.isdst)
print("os.time", type(os.time()), os.time() > 1577836800, type(os.clock()))
local f = io.open("suite.lua")
print("io.open", f ~= nil, f and f:read("l"))
if f then
    print("io.seek", f:seek("set", 3), f:read(3), f:seek("cur"), f:seek("end") > 1000)
    f:close()
end
print("io.open missing", io.open("no-such-file.lua"))
io.write("io.write", " ", 1, " ", 2.5, "\n")
print(string.format("%s %s", "lua suite:", "done"))
