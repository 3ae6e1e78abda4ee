"""Text of the "Your own function" page (keys "fn."). The parser's own messages (what is not
allowed and where) come from derivs.expression in English; each is shown under a translated
heading from here."""

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
    "fn.refused": ("This formula can't be read. The parser says:",
                   "无法读取这个公式。解析器的说明(英文):"),
    "fn.mine_refused": ("Your f′ can't be read. The parser says:",
                        "无法读取你输入的 f′。解析器的说明(英文):"),
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
        "f′ is undefined at {where}: f has no slope there (a kink, a jump or a vertical "
        "tangent).",
        "f′ 在 {where} 处没有定义:f 在那里没有斜率(尖点、跳跃或竖直切线)。"),
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
}
