"""Text of the Activations page."""

TEXT = {
    "act.alt_range": ("f and f′ of {label} on [{lo}, {hi}].", "{label} 的 f 与 f′,区间 [{lo}, {hi}]。"),
    "act.alt_peak": ("f′ peaks at {peak} at x = {x}.", "f′ 的峰值为 {peak}(x = {x})。"),
    "act.alt_flat": ("|f′| is below {percent} of its peak for |x| > {x}.",
                     "当 |x| > {x} 时,|f′| 低于峰值的 {percent}。"),
    "act.alt_probe": ("Probe x₀ = {x0}: f(x₀) = {f}, f′(x₀) = {df}.",
                      "探针 x₀ = {x0}:f(x₀) = {f},f′(x₀) = {df}。"),
    "act.title": ("Activations and their derivatives", "激活函数及其导数"),
    "act.intro": (
        "Each activation f beside its derivative f′. Amber bands mark where f′ is nearly 0 "
        "(saturation, dead ReLU: almost no gradient flows back through there); dotted lines mark "
        "kinks, where f′ is not defined and every library has to pick a value. Move the probe x₀ "
        "to compare the hand-written derivative with a finite difference.",
        "每个激活函数 f 与其导数 f′ 并排显示。琥珀色区域是 f′ 几乎为 0 的地方"
        "(饱和区、ReLU 死区:几乎没有梯度能反向传过这里);虚线标出尖点,"
        "那里 f′ 没有定义,每个库都得自己选一个值。移动探针 x₀,"
        "比较手写的导数与有限差分的结果。"),
    # sidebar
    "act.choose": ("Activation", "激活函数"),
    "act.param": ("Parameter {symbol}", "参数 {symbol}"),
    "act.widen": ("Widen the plotted x range", "放大 x 的绘图范围"),
    "act.exact_toggle": ("Type an exact x₀", "输入精确的 x₀"),
    "act.exact_help": (
        "Off: the slider sets x₀ (within the plotted range). On: the number box below sets x₀, "
        "anywhere in [−1000, 1000], and the slider is greyed out.",
        "关闭:用滑块设置 x₀(限于绘图范围内)。开启:用下方的数字框设置 x₀,"
        "可取 [−1000, 1000] 内任意值,此时滑块变灰、不起作用。"),
    "act.x0": ("Probe x₀", "探针 x₀"),
    "act.x0_exact": ("Exact x₀", "精确的 x₀"),
    "act.exact_note": (
        "The typed value is the probe; the slider above is ignored until you switch this off. "
        "Any number in [−{limit}, {limit}], e.g. 0 for a kink or 40 for a saturated sigmoid.",
        "探针取输入的数值;关闭此开关前,上面的滑块不起作用。"
        "可输入 [−{limit}, {limit}] 内任意数,例如 0(尖点)或 40(饱和的 sigmoid)。"),
    "act.custom_step": ("Choose the step h yourself", "自己选择步长 h"),
    "act.overlay": ("Overlay f and f′ on one chart", "把 f 与 f′ 画在同一张图上"),
    # curves
    "act.chart_f": ("{label}: f(x)", "{label}:f(x)"),
    "act.chart_df": ("{label}: derivative f′(x)", "{label}:导数 f′(x)"),
    "act.zone": ("|f′| < {percent} of its max", "|f′| < 最大值的 {percent}"),
    "act.kink": ("kink", "尖点"),
    "act.tangent": ("tangent at x₀", "x₀ 处的切线"),
    "act.zone_caption": (
        "Shaded: where |f′| is below {percent} of its largest value on this plot. A gradient "
        "passing back through such x is multiplied by almost 0, so the weights before it barely "
        "learn. A thin band in the middle of a curve is only f′ crossing 0 at a minimum of f, "
        "not saturation.",
        "阴影:|f′| 小于本图中最大值 {percent} 的区域。梯度反向经过这些 x 时几乎被乘以 0,"
        "它之前的权重几乎学不到东西。曲线中间的窄条只是 f′ 在 f 的极小值处穿过 0,并不是饱和。"),
    "act.outside": (
        "x₀ = {x0} lies outside the plotted range [{lo}, {hi}], so the charts do not show the "
        "probe; the numbers below are computed at x₀ all the same.",
        "x₀ = {x0} 在绘图范围 [{lo}, {hi}] 之外,所以图中看不到探针;"
        "下面的数值依然是在 x₀ 处算出的。"),
    "act.widen_hint": ("Widen the range to see it.", "放大绘图范围即可看到它。"),
    "act.too_far": (
        "It is beyond the widest range too: out here the curves are flat lines or straight "
        "lines, and the table tells what float64 makes of them.",
        "它也超出了最大的绘图范围:在这么远的地方,曲线不是水平线就是直线,"
        "表格显示 float64 对它们算出了什么。"),
    # readout
    "act.readout_title": ("At the probe x₀ = {x0}", "探针处:x₀ = {x0}"),
    "act.quantity": ("quantity", "量"),
    "act.value": ("value (float64)", "值(float64)"),
    "act.row_f": ("f(x₀)", "f(x₀)"),
    "act.row_analytic": ("f′(x₀), analytic (`{fn}`)", "f′(x₀),解析(`{fn}`)"),
    "act.row_numerical": ("f′(x₀), numerical ({method}, {h})", "f′(x₀),数值({method},{h})"),
    "act.h_default": ("default h = {h}", "默认 h = {h}"),
    "act.h_set": ("h = {h}", "h = {h}"),
    "act.nan": ("not a number: see the note below", "不是数(NaN):见下方说明"),
    "act.method_formula": ("The numerical slope ({method}):", "数值导数({method}):"),
    "act.bands": (
        "Relative error |a − n| / max(|a|, |n|), coloured by the usual bands: ≤ 1e-7 good, "
        "≤ 1e-4 acceptable only at a kink, ≥ 1e-2 wrong.",
        "相对误差 |a − n| / max(|a|, |n|),按常用区间着色:≤ 1e-7 良好,"
        "≤ 1e-4 仅在尖点处可接受,≥ 1e-2 错误。"),
    "act.at_kink": (
        "x₀ = {x0} is a kink: f′ is not defined here. This app's df returns the {side} slope, "
        "{value} (PyTorch's choice); a finite difference straddling the kink sees both sides, so "
        "its relative error here says nothing about the code. See **Kinks** below.",
        "x₀ = {x0} 是尖点:这里 f′ 没有定义。本应用的 df 返回{side}斜率 {value}"
        "(与 PyTorch 相同);跨过尖点的有限差分同时看到两侧,所以这里的相对误差说明不了代码的对错。"
        "见下方 **尖点**。"),
    "act.side_left": ("left", "左侧"),
    "act.side_right": ("right", "右侧"),
    "act.step_lost": (
        "h = {h} is smaller than the gap between neighbouring float64 numbers at x₀ = {x0}, so "
        "x₀ ± h rounds back to x₀: the finite difference divides 0 by 0 (or by a step that is "
        "not h) and its value means nothing. Take a larger h, or the complex step.",
        "h = {h} 小于 x₀ = {x0} 附近相邻 float64 数之间的间隔,x₀ ± h 被舍入回 x₀:"
        "有限差分变成 0 除以 0(或除以一个并非 h 的步长),结果没有意义。请取更大的 h,或改用复步法。"),
    "act.flat": (
        "f has the very same float64 value at x₀ − h, x₀ and x₀ + h (h = {h}): f has rounded to "
        "a constant out here, so every difference quotient is 0 although the true slope is not. "
        "The complex step subtracts nothing and still sees the slope.",
        "f 在 x₀ − h、x₀、x₀ + h(h = {h})处的 float64 值完全相同:f 在这里已被舍入成常数,"
        "所以差商都是 0,尽管真实斜率并不为 0。复步法不做减法,仍能看到这个斜率。"),
    "act.underflow": (
        "The analytic f′(x₀) prints as 0, but the true slope here is not 0: it is smaller in "
        "magnitude than the smallest positive float64 (about 4.9e-324) and underflows to 0. "
        "Where f′ really is 0 (a dead ReLU), no such note appears.",
        "解析 f′(x₀) 显示为 0,但这里的真实斜率并不是 0:它的绝对值小于最小的正 float64"
        "(约 4.9e-324),下溢成了 0。f′ 真正等于 0 的地方(如 ReLU 死区)不会出现这条说明。"),
    # kinks
    "act.kinks_title": ("Kinks: what is f′ where it does not exist?",
                        "尖点:导数不存在的地方取什么值?"),
    "act.kinks_intro": (
        "At a kink the slopes from the left and from the right differ, so f′ is undefined, yet "
        "backprop needs a number. Each library picks one; they do not all agree. HIPS autograd "
        "differentiates np.maximum and splits the gradient between the two arguments when they "
        "tie, which is why it reports the average of the two slopes (0.5 for ReLU).",
        "在尖点处,左右两侧的斜率不同,f′ 没有定义,但反向传播需要一个数。"
        "每个库各选一个值,而它们并不一致。HIPS autograd 对 np.maximum 求导时,"
        "两个参数相等就把梯度平分给二者,所以它给出两侧斜率的平均(ReLU 为 0.5)。"),
    "act.kink_at": ("Kink at x = {at}", "尖点 x = {at}"),
    "act.who": ("who", "来源"),
    "act.differences": ("finite difference (default h)", "有限差分(默认 h)"),
    "act.slope_left": ("slope from the left", "左侧斜率"),
    "act.slope_right": ("slope from the right", "右侧斜率"),
    "act.convention": ("this app's df (the {side} slope)", "本应用的 df({side}斜率)"),
    "act.sympy_piecewise": ("sympy, the Piecewise formula above", "sympy,上面的 Piecewise 公式"),
    "act.kink_central": (
        "A central difference straddles the kink: (f(x+h) − f(x−h)) / 2h is the average of the "
        "two one-sided slopes ({left} and {right}), so at the kink it returns **{central}** (up "
        "to rounding) for any h that stays on the two pieces beside it. The backward difference "
        "sees only the left piece and the forward one only the right piece.",
        "中心差分跨过了尖点:(f(x+h) − f(x−h)) / 2h 是左右两个单侧斜率({left} 与 {right})的平均,"
        "所以只要 h 不越过两侧的那两段,它在尖点处都给出 **{central}**(忽略舍入)。"
        "后向差分只看到左边那一段,前向差分只看到右边那一段。"),
    # the notes' form
    "act.via_title": ("The notes' form f′ = g(f): right on paper, fragile in float64",
                      "笔记里的写法 f′ = g(f):纸面上正确,float64 里却脆弱"),
    "act.via_stable": ("**Stable form** (this app's `{fn}`)", "**稳定写法**(本应用的 `{fn}`)"),
    "act.via_notes": ("**The notes' form**, through the output f", "**笔记的写法**,用输出 f 表示"),
    "act.via_value": ("at x₀ = {x0}: {value}", "在 x₀ = {x0} 处:{value}"),
    "act.via_error": ("relative error of the notes' form: {error}", "笔记写法的相对误差: {error}"),
    "act.via_chart": ("Both forms for x ≥ 0, log scale", "两种写法(x ≥ 0,对数坐标)"),
    "act.via_stable_name": ("stable form", "稳定写法"),
    "act.via_notes_name": ("notes' form", "笔记写法"),
    "act.via_collapse_mark": ("notes' form = 0 from x ≈ {x}", "x ≈ {x} 起笔记写法 = 0"),
    "act.via_explain": (
        "From x ≈ {collapse} on, f(x) rounds to 1 in float64 (or to the float just below it), so "
        "1 − f is 0 (or that one rounding step, about 1.1e-16) and the notes' form returns 0 or "
        "noise: its dashed line drops off the log axis, which has no 0. The true slope "
        "is still positive, and the stable form, computed from e^(−|x|) without ever subtracting "
        "from 1, keeps its digits until the value itself is too small for float64. Well before "
        "the collapse the notes' form is losing digits: as f nears 1, 1 − f keeps fewer and "
        "fewer correct ones. Move x₀ towards the mark and watch its relative error grow, then "
        "try x₀ = 40.",
        "从 x ≈ {collapse} 起,f(x) 在 float64 中被舍入成 1(或紧挨在 1 下面的那个浮点数),"
        "于是 1 − f 等于 0(或那一个舍入步长,约 1.1e-16),笔记的写法返回 0 或噪声:"
        "它的虚线掉出了对数坐标(对数坐标上没有 0)。真实斜率仍然是正的;"
        "稳定写法由 e^(−|x|) 算出,从不做“1 减去某数”的运算,直到数值本身小到 float64 无法表示,"
        "都保留着全部有效数字。远在崩溃之前,笔记的写法就已经在丢失精度:f 越接近 1,"
        "1 − f 的正确位数越少。把 x₀ 向标记处移动,看它的相对误差如何增大;再试试 x₀ = 40。"),
    # compare
    "act.compare_title": ("Compare derivatives: the vanishing-gradient story",
                          "比较导数:梯度消失的故事"),
    "act.compare_pick": ("Activations to compare", "要比较的激活函数"),
    "act.compare_empty": ("Pick at least one activation to compare.", "请至少选择一个激活函数。"),
    "act.compare_chart": ("f′(x) side by side; each peak is labelled",
                          "并排的 f′(x);每条曲线的峰值已标出"),
    "act.compare_defaults": (
        "Each activation at its default parameters; the peaks are the largest f′ on this range.",
        "各激活函数取默认参数;峰值是本范围内 f′ 的最大值。"),
    "act.compare_story": (
        "Backprop multiplies one f′ per layer. σ′ is at most **0.25** (at x = 0), so ten sigmoid "
        "layers shrink the gradient by at least 0.25¹⁰ ≈ 10⁻⁶, and far more once units saturate: "
        "the early layers stop learning. tanh′ reaches **1**, but only at 0, and saturates as "
        "well. ReLU′ is exactly 1 wherever the unit is active, so depth does not shrink the "
        "signal, at the price of exactly 0 where it is not (a dead unit); Leaky ReLU, ELU, GELU "
        "and SiLU keep some slope on the left.",
        "反向传播每经过一层就乘上一个 f′。σ′ 最大只有 **0.25**(在 x = 0 处),"
        "十层 sigmoid 至少把梯度缩小到 0.25¹⁰ ≈ 10⁻⁶,单元饱和时还要小得多:前面的层就学不动了。"
        "tanh′ 最大能到 **1**,但只在 0 处,而且同样会饱和。ReLU′ 在单元激活的地方恰好为 1,"
        "层数再多也不会缩小信号,代价是不激活的地方恰好为 0(死亡单元);"
        "Leaky ReLU、ELU、GELU 和 SiLU 在左侧保留了一些斜率。"),
    # source
    "act.source_title": ("The code behind the curves", "曲线背后的代码"),
    "act.source_intro": (
        "The numpy functions that draw the curves and fill the table above, read from the running "
        "code with inspect: the derivative, the function, then the helpers they call.",
        "上面的曲线和表格所用的 numpy 函数,用 inspect 从正在运行的代码中读出:"
        "先是导数,再是函数本身,然后是它们调用的辅助函数。"),
}
