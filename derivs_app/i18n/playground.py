"""Text of the "Your own function" page (keys "fn."). The library's refusals carry a code and
the values they were built from: "fn.err.<code>" says the same in both languages (what to write
instead, for the usual slips); a refusal without such a key is shown in the library's English
under a translated heading."""

TEXT = {
    "fn.intro": (
        "Type any function of x. The app reads it with a whitelist parser (your text is never run "
        "as Python), differentiates it with sympy, and plots f, the symbolic f′ and a "
        "finite-difference f′ together. Then check a derivative you worked out by hand.",
        "输入任意关于 x 的函数。应用用白名单解析器读取它(你的文字绝不会被当作 Python 执行),"
        "用 sympy 求导,并把 f、符号导数 f′ 与有限差分 f′ 画在一起。然后可以检验你自己手算的导数。"),
    "fn.examples": ("Examples: click one to try it", "示例:点击即可试用"),
    "fn.formula": ("f(x) =", "f(x) ="),
    "fn.formula_help": (
        "Use x, numbers, + − * /, ** or ^ for powers, parentheses, pi, e and these functions: "
        "{functions}.",
        "可使用 x、数字、+ − * /、** 或 ^(乘方)、括号、pi、e 以及这些函数:{functions}。"),
    "fn.safety": (
        "Safe by construction: your text only ever goes to a whitelist parser. sympy works in a "
        "separate process, stopped after {seconds} s or {mb} MB of memory.",
        "安全由设计保证:你的文字只交给白名单解析器。sympy 在独立进程中运行,"
        "超过 {seconds} 秒或 {mb} MB 内存即被终止。"),
    # refusals and limits
    "fn.refused": ("This formula can't be read.", "无法读取这个公式。"),
    "fn.mine_refused": ("Your f′ can't be read.", "无法读取你输入的 f′。"),
    "fn.parser_says": ("The parser says:", "解析器的说明(英文):"),
    "fn.df_refused": (
        "sympy can't differentiate this formula. f and its finite-difference slope are still "
        "plotted below.",
        "sympy 无法对这个公式求导。下方仍绘出 f 及其有限差分斜率。"),
    "fn.busy": (
        "The server is busy with other people's formulas: try again in a moment. f and its "
        "finite-difference slope are still plotted below.",
        "服务器正忙于处理其他人的公式:请稍后再试。下方仍绘出 f 及其有限差分斜率。"),
    "fn.mine_busy": (
        "The server is busy: your f′ is not shown as a formula this time; the check below "
        "still runs.",
        "服务器正忙:这次没有把你的 f′ 显示为公式;下面的检验照常进行。"),
    "fn.timeout": (
        "The symbolic derivative took longer than {seconds} s and was stopped. f and its "
        "finite-difference slope are still plotted below; a simpler formula gets a symbolic f′.",
        "符号求导用时超过 {seconds} 秒,已被终止。下方仍绘出 f 及其有限差分斜率;"
        "换一个更简单的公式即可得到符号导数 f′。"),
    "fn.limit": (
        "The symbolic derivative hit a limit (at most {mb} MB of memory, and a result small "
        "enough to display and evaluate). f and its finite-difference slope are still plotted "
        "below. The details:",
        "符号求导触及了限制(内存至多 {mb} MB,结果须小到能够显示和计算)。"
        "下方仍绘出 f 及其有限差分斜率。详细说明(英文):"),
    "fn.mine_limit": (
        "Showing your f′ as a formula hit a limit (at most {mb} MB of memory); the check below "
        "still runs. The details:",
        "把你的 f′ 显示为公式时触及了限制(内存至多 {mb} MB);下面的检验照常进行。详细说明(英文):"),
    "fn.mine_timeout": (
        "Showing your f′ as a formula took longer than {seconds} s and was stopped; the check "
        "below still runs.",
        "把你的 f′ 显示为公式用时超过 {seconds} 秒,已被终止;下面的检验照常进行。"),
    # the formula
    "fn.read_as": ("How the app reads it, and its derivative from sympy:",
                   "应用对公式的理解,以及 sympy 给出的导数:"),
    "fn.simplified": ("The same derivative, simplified:", "化简后的同一导数:"),
    # the plot
    "fn.plot_title": ("f, f′ and the finite-difference f′", "f、f′ 与有限差分 f′"),
    "fn.lo": ("x from", "x 从"),
    "fn.hi": ("x to", "x 到"),
    "fn.x0": ("Probe x₀", "探针 x₀"),
    "fn.bad_range": ("The range needs “x from” < “x to”; now it is [{lo}, {hi}].",
                     "范围需要满足“x 从” < “x 到”;当前为 [{lo}, {hi}]。"),
    "fn.f": ("f(x)", "f(x)"),
    "fn.df": ("f′(x), sympy", "f′(x),sympy"),
    "fn.numerical": ("f′(x), central difference", "f′(x),中心差分"),
    "fn.undefined_name": ("no real value", "无实数值"),
    "fn.where_point": ("x = {x}", "x = {x}"),
    "fn.where_span": ("{lo} ≤ x ≤ {hi}", "{lo} ≤ x ≤ {hi}"),
    "fn.where_more": ("and {count} more", "另有 {count} 处"),
    "fn.undefined_note": (
        "f has no finite real value at {where} (grey): the curves have gaps there, not errors.",
        "f 在 {where} 处没有有限的实数值(灰色区域):曲线在那里断开,这不是错误。"),
    "fn.df_undefined_note": (
        "f′ is undefined at {where}: f has no slope there (a jump or a vertical tangent).",
        "f′ 在 {where} 处没有定义:f 在那里没有斜率(跳跃或竖直切线)。"),
    "fn.kink_note": (
        "f has a kink at {where}: f′ is undefined there, its two one-sided slopes differ "
        "({slopes}). The f′ curve has a gap there: open circles at the two one-sided limits, a "
        "dot at the value sympy's f′ takes there anyway (a convention).",
        "f 在 {where} 处有尖点:f′ 在那里没有定义,两侧的单侧斜率不同({slopes})。"
        "f′ 曲线在那里断开:空心圆是两侧的单侧极限,实心点是 sympy 的 f′ 在该点仍给出的值(一种约定)。"),
    "fn.kink_slopes": ("at x = {x}: {left} from the left, {right} from the right",
                       "在 x = {x} 处:左侧 {left},右侧 {right}"),
    "fn.jumps_note": (
        "f jumps at x ≈ {where}: f′ is undefined there, and the line is cut instead of "
        "joining the two sides.",
        "f 在 x ≈ {where} 处跳跃:f′ 在那里没有定义,曲线在那里断开,而不是把两侧连起来。"),
    "fn.overflow_note": (
        "float64 overflows at {where}: a step inside the formula exceeds float64's range "
        "(about 1.8e308) and gives inf/inf or inf − inf, although f itself is finite there (it "
        "is in extended precision). The gap (orange) is float64's, not the function's.",
        "在 {where} 处 float64 溢出:公式中的某一步超出 float64 的范围(约 1.8e308),"
        "得到 inf/inf 或 inf − inf,而 f 本身在那里是有限的(用扩展精度计算即可得到)。"
        "这段空缺(橙色)来自 float64,而不是函数本身。"),
    "fn.stable_hint": (
        "A stable form with the same values that does not overflow: {form}.",
        "一个数值稳定、取值相同且不会溢出的写法:{form}。"),
    "fn.beyond_note": (
        "f is finite at {where} but larger than float64 can hold (about 1.8e308): float64 "
        "overflows there.",
        "f 在 {where} 处是有限的,但超出了 float64 能表示的范围(约 1.8e308):float64 在那里溢出。"),
    "fn.df_overflow_note": (
        "float64 overflows in f′ at {where} (inf/inf or inf − inf inside its formula), although "
        "f′ is finite there.",
        "在 {where} 处计算 f′ 时 float64 溢出(公式中出现 inf/inf 或 inf − inf),"
        "而 f′ 在那里是有限的。"),
    "fn.kink_name": ("kink", "尖点"),
    "fn.kink_limit": ("f′ from either side", "f′ 的单侧极限"),
    "fn.kink_value": ("sympy's f′ at the kink (a convention)", "sympy 的 f′ 在尖点的值(约定)"),
    "fn.overflow_name": ("float64 overflows", "float64 溢出"),
    "fn.cuts_note": (
        "f jumps to infinity between grid points near x ≈ {where}: the line is cut there rather "
        "than joining the two branches.",
        "f 在 x ≈ {where} 附近的两个网格点之间趋于无穷:曲线在那里断开,而不是把两支连起来。"),
    "fn.zoom_note": (
        "The y axes show the middle 98% of the values; a few points near a singularity lie "
        "outside (zoom out on the chart to see them).",
        "纵轴只显示中间 98% 的数值;奇点附近的少数点在范围之外(在图上缩小即可看到)。"),
    "fn.no_symbolic": (
        "Without a symbolic f′ only the finite-difference slope is plotted.",
        "没有符号导数 f′,只绘出有限差分斜率。"),
    # the probe
    "fn.probe_title": ("At the probe x₀ = {x0}", "在探针 x₀ = {x0} 处"),
    "fn.probe_f": ("f(x₀)", "f(x₀)"),
    "fn.probe_df": ("f′(x₀), sympy", "f′(x₀),sympy"),
    "fn.probe_num": ("f′(x₀), central difference", "f′(x₀),中心差分"),
    "fn.probe_undefined": ("f has no finite real value at x₀ = {x0}.",
                           "f 在 x₀ = {x0} 处没有有限的实数值。"),
    "fn.probe_kink": (
        "f′(x₀) is undefined: x₀ = {x0} is a kink of f. The slope from the left is {left}, "
        "from the right {right}. sympy's f′ gives {value} there, a convention; the central "
        "difference gives {numerical}, a mix of the two sides. Neither is right or wrong, so "
        "no relative error is shown.",
        "f′(x₀) 没有定义:x₀ = {x0} 是 f 的尖点。左侧斜率为 {left},右侧为 {right}。"
        "sympy 的 f′ 在那里给出 {value},这只是一种约定;中心差分给出 {numerical},是两侧的混合。"
        "两者都谈不上对错,所以不显示相对误差。"),
    "fn.probe_near_kink": (
        "A kink of f at x = {at} is closer to x₀ than the central difference's step: its two "
        "evaluations straddle the kink, so its value mixes the two slopes.",
        "f 在 x = {at} 处的尖点离 x₀ 比中心差分的步长还近:差分的两个求值点跨过了尖点,"
        "所以其结果混合了两侧的斜率。"),
    "fn.probe_overflow": (
        "f(x₀) overflows float64 at x₀ = {x0}; in extended precision it is {value}.",
        "在 x₀ = {x0} 处 f(x₀) 的 float64 计算溢出;用扩展精度计算为 {value}。"),
    "fn.probe_no_rel": (
        "No relative error here: it needs both derivatives to be finite numbers.",
        "此处无法给出相对误差:需要两个导数都是有限数。"),
    # check my derivative
    "fn.check_title": ("Check my derivative", "检验我的导数"),
    "fn.check_intro": (
        "Type the f′ you worked out by hand. The app evaluates yours and sympy's at {n} points "
        "of the plotted range and counts a point as agreeing when |yours − f′| ≤ {atol} + "
        "{rtol}·|f′|. Points where f or f′ has no value are not held against you; at kinks any "
        "value is a convention, so those points are skipped.",
        "输入你手算的 f′。应用在绘图范围内的 {n} 个点上计算你的导数和 sympy 的导数,"
        "当 |你的 − f′| ≤ {atol} + {rtol}·|f′| 时视为一致。f 或 f′ 没有值的点不计入;"
        "尖点处任何取值都只是约定,这些点被跳过。"),
    "fn.mine": ("Your f′(x) =", "你的 f′(x) ="),
    "fn.mine_empty": ("Type your f′ above, for example {example}.",
                      "在上方输入你的 f′,例如 {example}。"),
    "fn.mine_read_as": ("Your f′, as the app reads it:", "应用对你的 f′ 的理解:"),
    "fn.check_needs_df": (
        "The check needs sympy's f′, which is not available for this formula.",
        "检验需要 sympy 的 f′,而这个公式没有得到符号导数。"),
    "fn.check_agree": (
        "Correct: your f′ agrees with sympy's at all {count} points compared on [{lo}, {hi}] "
        "(largest relative error {max_rel}).",
        "正确:在 [{lo}, {hi}] 上比较的全部 {count} 个点处,你的 f′ 与 sympy 的一致"
        "(最大相对误差 {max_rel})。"),
    "fn.check_wrong": (
        "Not the derivative. First counterexample: at x = {x} yours gives {mine}, but f′ = {true}. "
        "They disagree at {bad} of {total} points (shaded red).",
        "不是这个导数。第一个反例:在 x = {x} 处你的结果为 {mine},而 f′ = {true}。"
        "两者在 {total} 个点中的 {bad} 个点上不一致(红色区域)。"),
    "fn.check_kinks": (
        "{count} point(s) at kinks skipped (dotted): f′ jumps there, so any value is a convention.",
        "跳过了尖点处的 {count} 个点(虚线):f′ 在那里跳变,任何取值都只是约定。"),
    "fn.check_nothing": (
        "Nothing to compare: nowhere on this range do f and f′ both have a finite value.",
        "无可比较:在此范围内没有任何一点使 f 与 f′ 同时取有限值。"),
    "fn.undefined_value": ("no value", "无值"),
    "fn.check_chart": ("Your f′ against sympy's", "你的 f′ 与 sympy 的 f′"),
    "fn.check_true": ("f′, sympy", "f′,sympy"),
    "fn.check_mine": ("your f′", "你的 f′"),
    "fn.check_region": ("disagree", "不一致"),
    "fn.check_kink": ("kink (skipped)", "尖点(跳过)"),
    "fn.check_counter": ("first counterexample", "第一个反例"),
    # the library's refusals by code ("fn.err.<code>"): what to write instead
    "fn.err.implicit_multiplication": (
        "Multiplication is explicit: write {fix}, not {found}.",
        "乘法必须明确写出:请写 {fix},而不是 {found}。"),
    "fn.err.function_brackets": (
        "A function's argument goes in brackets: write {fix}, not {found}.",
        "函数的自变量要放在括号里:请写 {fix},而不是 {found}。"),
    "fn.err.function_power": (
        "For a power of a function write {fix}, not {found}.",
        "函数的乘方请写成 {fix},而不是 {found}。"),
    "fn.err.abs_bars": (
        "For the absolute value {found} write {fix}.",
        "绝对值 {found} 请写成 {fix}。"),
    "fn.err.comparison": (
        "Comparisons (<, >, ==, ...) are not allowed in a formula. For a step write {fix}: 1 "
        "where the comparison holds, else 0.",
        "公式中不能使用比较(<、>、== 等)。阶跃函数请写 {fix}:比较成立处为 1,否则为 0。"),
    "fn.err.conditional": (
        "'if ... else' is not allowed in a formula: write {fix} instead (heaviside, relu, max, "
        "min and abs make piecewise functions).",
        "公式中不能使用 “if ... else”:请改写为 {fix}(heaviside、relu、max、min 和 abs "
        "可以组成分段函数)。"),
    "fn.err.comment": (
        "'{found}' is not allowed: a comment is not part of a formula.",
        "不能使用 “{found}”:注释不是公式的一部分。"),
    "fn.err.unicode_symbol": (
        "Write {fix} instead of '{found}' (only ASCII characters are allowed).",
        "请用 {fix} 代替 “{found}”(只允许 ASCII 字符)。"),
    "fn.err.number_base": (
        "Write numbers in decimal, not {found}.",
        "数字请用十进制书写,而不是 {found}。"),
    "fn.err.bare_function": (
        "{found} is a function: call it like {fix}.",
        "{found} 是一个函数:请像 {fix} 这样调用它。"),
    "fn.err.nested_power": (
        "Nested powers multiply their exponents: this formula reaches {power} (at most "
        "{limit}).",
        "嵌套的乘方会把指数相乘:这个公式的指数达到 {power}(最多 {limit})。"),
    "fn.err.exponent": ("Exponents must be at most {limit} in size.",
                        "指数的绝对值最多为 {limit}。"),
    "fn.err.empty": ("The formula is empty.", "公式是空的。"),
    "fn.err.divides_by_zero": (
        "The formula (or its derivative) divides by zero wherever it is evaluated.",
        "这个公式(或它的导数)在任何地方求值都会除以零。"),
    "fn.err.internal": (
        "sympy could not work with this formula ({detail}).",
        "sympy 无法处理这个公式({detail})。"),
    "fn.err.too_long": (
        "The result is too long to display ({chars} characters of LaTeX).",
        "结果太长,无法显示(LaTeX 有 {chars} 个字符)。"),
    "fn.err.too_large": (
        "The formula is too large to evaluate.", "公式太大,无法计算。"),
    "fn.err.recursion": (
        "The formula is nested too deeply for sympy.", "公式嵌套太深,sympy 无法处理。"),
    "fn.err.memory": (
        "The symbolic work needed more than {mb} MB of memory and was stopped.",
        "符号计算需要超过 {mb} MB 的内存,已被终止。"),
    "fn.err.constant_range": (
        "A constant in this formula is beyond float64's range (about 1.8e308).",
        "这个公式中的某个常数超出了 float64 的范围(约 1.8e308)。"),
    "fn.err.worker": (
        "The symbolic worker process could not start; the server's log says why.",
        "符号计算的工作进程无法启动;原因见服务器日志。"),
    "fn.err.busy": ("The server is busy with other people's formulas: try again in a moment.",
                    "服务器正忙于处理其他人的公式:请稍后再试。"),
    "fn.err.superseded": (
        "A newer formula from this page replaced this one.",
        "本页面的一个更新的公式取代了这个公式。"),
}
