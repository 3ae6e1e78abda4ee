"""Text of "Predict, then reveal" (keys "q."): the component's own words, then each question of
derivs_app/views/questions.py under q.<id>.title / .prompt / .opt.<key> / .answer / .why.

Option labels and prompts are widget labels: plain text, no LaTeX, no markdown. The answer's
{placeholders} are the numbers the core computed (``Reveal.values``)."""

TEXT = {
    # --- the component ---------------------------------------------------------------------------
    "q.heading": ("Predict, then reveal", "先预测,再揭晓"),
    "q.intro": ("Commit to an answer before the page shows it: the answer below is computed live "
                "by the same code as the page.",
                "先给出你的答案,再看页面:下面的答案由与本页相同的代码实时计算。"),
    "q.choose": ("Your prediction", "你的预测"),
    "q.commit": ("Commit and reveal", "提交并揭晓"),
    "q.choose_first": ("Choose one of the answers first, then commit.",
                       "请先选择一个答案,再提交。"),
    "q.reset": ("Hide the answer and try again", "隐藏答案,重新作答"),
    "q.right": ("Right: {answer}.", "答对了:{answer}。"),
    "q.wrong": ("Not quite: you chose “{choice}”; the answer is “{answer}”.",
                "不完全对:你选了“{choice}”;答案是“{answer}”。"),
    "q.shown": ("The answer (shown by the link): {answer}.", "答案(由链接显示):{answer}。"),
    "q.why": ("Why:", "为什么:"),
    "q.mark_right": ("✓ the answer", "✓ 正确答案"),
    "q.mark_yours": ("your choice", "你的选择"),
    "q.notes_name": ("the notes' gradient", "讲义的梯度"),
    "q.linked": ("The question this link points to.", "此链接指向的问题。"),
    "q.share": ("Link to this question (add &reveal=1 to show the answer too):",
                "此问题的链接(加上 &reveal=1 可同时显示答案):"),
    "q.unknown": ("This link asks question {id}, which does not exist; the page's questions "
                  "are below.",
                  "链接中的问题 {id} 不存在;本页的问题如下。"),
    "q.elsewhere": ("This link asks question {id}, which is on another page:",
                    "链接中的问题 {id} 在另一个页面上:"),
    "q.bad_reveal": ("This link sets reveal = {value}; only reveal=1 shows answers, so they stay "
                     "hidden.",
                     "链接中的 reveal = {value} 无效;只有 reveal=1 会显示答案,因此答案保持隐藏。"),

    # --- activations -----------------------------------------------------------------------------
    "q.act_peak.title": ("Which derivative peaks higher: sigmoid′ or tanh′?",
                         "哪个导数的峰值更高:sigmoid′ 还是 tanh′?"),
    "q.act_peak.prompt": ("Which derivative reaches the higher maximum: the sigmoid's σ′(x) or "
                          "tanh′(x)?",
                          "哪个导数的最大值更高:sigmoid 的 σ′(x) 还是 tanh′(x)?"),
    "q.act_peak.opt.sigmoid": ("sigmoid′", "sigmoid′"),
    "q.act_peak.opt.tanh": ("tanh′", "tanh′"),
    "q.act_peak.opt.same": ("the same", "一样高"),
    "q.act_peak.answer": ("σ′ peaks at **{sigmoid}** (at x = {at_sigmoid}), tanh′ at **{tanh}** "
                          "(at x = {at_tanh}): tanh′ is {ratio}× higher.",
                          "σ′ 的峰值为 **{sigmoid}**(x = {at_sigmoid}),tanh′ 的峰值为 "
                          "**{tanh}**(x = {at_tanh}):tanh′ 高 {ratio} 倍。"),
    "q.act_peak.why": (
        "σ′ = σ(1 − σ) is largest where σ = 1/2, and 1/2 · 1/2 = 1/4. tanh is a stretched "
        "sigmoid, tanh(x) = 2σ(2x) − 1, so tanh′(x) = 4σ′(2x): four times as tall, half as wide. "
        "Backprop multiplies by f′ once per layer, so a sigmoid layer shrinks the gradient by at "
        "least 4× — one reason deep sigmoid nets stall and tanh (or ReLU) trains better.",
        "σ′ = σ(1 − σ) 在 σ = 1/2 处最大,1/2 · 1/2 = 1/4。tanh 是拉伸后的 sigmoid:"
        "tanh(x) = 2σ(2x) − 1,所以 tanh′(x) = 4σ′(2x):高 4 倍,宽一半。反向传播每经过一层就乘一次 "
        "f′,所以每个 sigmoid 层至少把梯度缩小 4 倍——这正是深层 sigmoid 网络训练停滞、而 tanh"
        "(或 ReLU)训练得更好的原因之一。"),
    "q.act_relu0.title": ("ReLU′(0): what does PyTorch return?", "ReLU′(0):PyTorch 返回什么?"),
    "q.act_relu0.prompt": ("ReLU has a kink at x = 0. What does PyTorch (and this app) return for "
                           "ReLU′(0)?",
                           "ReLU 在 x = 0 处有尖点。PyTorch(以及本应用)对 ReLU′(0) 返回什么?"),
    "q.act_relu0.opt.zero": ("0", "0"),
    "q.act_relu0.opt.half": ("0.5", "0.5"),
    "q.act_relu0.opt.one": ("1", "1"),
    "q.act_relu0.opt.nan": ("NaN, because the derivative is undefined there",
                            "NaN,因为该点导数无定义"),
    "q.act_relu0.answer": (
        "ReLU′ is undefined at 0: the slope is {left} just left of it and {right} just right. "
        "PyTorch, JAX and TensorFlow return **{value}** there, and so does "
        "`ACTIVATIONS[\"relu\"].df(0.0)` = {value}; HIPS autograd returns {autograd} (through "
        "np.maximum).",
        "ReLU′ 在 0 处无定义:左侧斜率为 {left},右侧为 {right}。PyTorch、JAX 和 TensorFlow 在该点返回 "
        "**{value}**,`ACTIVATIONS[\"relu\"].df(0.0)` 也是 {value};HIPS autograd 返回 {autograd}"
        "(经由 np.maximum)。"),
    "q.act_relu0.why": (
        "At a kink any number between the one-sided slopes is a valid subgradient, so a library "
        "must pick one and say so. Returning 0 keeps an inactive unit exactly inactive and never "
        "yields NaN, which would poison every gradient it touches. In training, z is exactly 0 "
        "so rarely that the choice almost never matters — but a gradient check placed there "
        "will notice.",
        "在尖点处,介于两侧斜率之间的任何数都是合法的次梯度,所以库必须选一个并写明。返回 0 "
        "让未激活的单元保持完全未激活,而且永远不会产生 NaN(NaN 会污染它接触到的所有梯度)。"
        "训练中 z 恰好为 0 的情况极少,所以这个选择几乎不影响结果——但放在该点的梯度检验会发现它。"),
    "q.act_saturate.title": ("σ(1 − σ) at x = 40 in float64", "float64 下 x = 40 处的 σ(1 − σ)"),
    "q.act_saturate.prompt": ("The notes write σ′ = σ(1 − σ). Evaluated in float64 at x = 40, "
                              "what does that formula give?",
                              "讲义把 σ′ 写成 σ(1 − σ)。在 float64 下于 x = 40 处计算,这个公式得到什么?"),
    "q.act_saturate.opt.tiny": ("a tiny positive number, about 4e-18",
                                "一个很小的正数,约 4e-18"),
    "q.act_saturate.opt.zero": ("exactly 0", "恰好为 0"),
    "q.act_saturate.opt.nan": ("NaN", "NaN"),
    "q.act_saturate.answer": (
        "In float64 σ({x}) = {sigma} exactly, so σ(1 − σ) = **{notes}**. The stable form "
        "e/(1 + e)² with e = e^(−|x|) gives the true value, **{stable}**.",
        "在 float64 下 σ({x}) 恰好等于 {sigma},所以 σ(1 − σ) = **{notes}**。稳定形式 "
        "e/(1 + e)²(e = e^(−|x|))给出真实值 **{stable}**。"),
    "q.act_saturate.why": (
        "The formula is right on paper, but float64 has only about 16 digits: once 1 − σ is "
        "below 1.1e-16, σ rounds to 1 and the product is 0. From x ≈ 36.7 on, the notes' form "
        "reports a gradient of exactly 0 where the true one is small but not 0. Computing from "
        "e^(−|x|) never subtracts two nearly equal numbers.",
        "这个公式在纸面上是对的,但 float64 只有约 16 位有效数字:一旦 1 − σ 小于 1.1e-16,σ 就舍入为 1,"
        "乘积为 0。从 x ≈ 36.7 起,讲义的形式报告梯度恰好为 0,而真实梯度虽小却不为 0。"
        "从 e^(−|x|) 计算则从不相减两个几乎相等的数。"),

    # --- softmax ---------------------------------------------------------------------------------
    "q.smx_rows.title": ("What do the rows of the softmax Jacobian sum to?",
                         "softmax 雅可比矩阵每一行的和是多少?"),
    "q.smx_rows.prompt": ("For any logits z, what does each row of J = ∂s/∂z sum to?",
                          "对任意 logits z,J = ∂s/∂z 每一行的和是多少?"),
    "q.smx_rows.opt.zero": ("0", "0"),
    "q.smx_rows.opt.one": ("1", "1"),
    "q.smx_rows.opt.s_i": ("the probability sᵢ of that row", "该行对应的概率 sᵢ"),
    "q.smx_rows.opt.depends": ("it depends on z", "取决于 z"),
    "q.smx_rows.answer": (
        "At z = ({z}), s = ({s}), every row sums to **{correct}**: the largest row sum is "
        "{worst}, rounding.",
        "在 z = ({z}) 处,s = ({s}),每一行的和都是 **{correct}**:最大的行和为 {worst},只是舍入误差。"),
    "q.smx_rows.why": (
        "Row i sums ∂sᵢ/∂zⱼ over j: it is how sᵢ changes when every logit rises by the same "
        "amount. Softmax ignores such a shift (it divides it out), so the change is 0. In "
        "formulas, Σⱼ sᵢ(δᵢⱼ − sⱼ) = sᵢ(1 − Σⱼ sⱼ) = 0. So (1, …, 1) is in J's null "
        "space and J has rank n − 1; J is symmetric, so the columns sum to 0 too.",
        "第 i 行对 j 求和 ∂sᵢ/∂zⱼ:即所有 logit 同时增加相同的量时 sᵢ 的变化。softmax 对这种平移不敏感"
        "(会被约掉),所以变化为 0。公式上,Σⱼ sᵢ(δᵢⱼ − sⱼ) = sᵢ(1 − Σⱼ sⱼ) = 0。因此 (1, …, 1) "
        "属于 J 的零空间,J 的秩为 n − 1;J 是对称的,所以每一列的和也是 0。"),
    "q.smx_onehot.title": ("J's diagonal when the softmax is almost one-hot",
                           "softmax 接近独热时 J 的对角线"),
    "q.smx_onehot.prompt": ("At logits z = (10, 0, 0) the softmax is almost one-hot, s ≈ (1, 0, 0). "
                            "What is on the diagonal of J?",
                            "当 logits z = (10, 0, 0) 时,softmax 几乎是独热的,s ≈ (1, 0, 0)。"
                            "J 的对角线上是什么?"),
    "q.smx_onehot.opt.near_zero": ("all close to 0", "全部接近 0"),
    "q.smx_onehot.opt.one_zero": ("close to 1 for the first, close to 0 for the others",
                                  "第一个接近 1,其余接近 0"),
    "q.smx_onehot.opt.s": ("s itself, about (1, 0, 0)", "就是 s,约为 (1, 0, 0)"),
    "q.smx_onehot.opt.quarter": ("0.25 each", "每个都是 0.25"),
    "q.smx_onehot.answer": (
        "At z = ({z}), s = ({s}) and the diagonal is ({diag}): **{correct}**. No entry of "
        "J is larger than {largest} in size.",
        "在 z = ({z}) 处,s = ({s}),对角线为 ({diag}):**{correct}**。J 的所有元素绝对值都不超过 "
        "{largest}。"),
    "q.smx_onehot.why": (
        "Jᵢᵢ = sᵢ(1 − sᵢ), and that is small both when sᵢ is near 1 and when it is near 0. "
        "A confident, saturated softmax passes almost no gradient back to its logits, whatever "
        "the loss says. Cross-entropy escapes this: its gradient through the softmax is s − y, "
        "which stays large exactly when a confident prediction is wrong.",
        "Jᵢᵢ = sᵢ(1 − sᵢ),无论 sᵢ 接近 1 还是接近 0,它都很小。一个自信而饱和的 softmax "
        "几乎不向 logits 回传梯度,不论损失怎么说。交叉熵能避开这一点:它经过 softmax 的梯度是 s − y,"
        "恰恰在自信却错误的预测时保持很大。"),

    # --- losses ----------------------------------------------------------------------------------
    "q.loss_notes_mse.title": ("Does the notes' MSE gradient pass a gradient check?",
                               "讲义中的 MSE 梯度能通过梯度检验吗?"),
    "q.loss_notes_mse.prompt": ("L = (1/n) Σ (ŷᵢ − yᵢ)². The notes give ∂L/∂ŷᵢ = (1/n)(ŷᵢ − yᵢ). "
                                "Will it pass PyTorch's gradcheck?",
                                "L = (1/n) Σ (ŷᵢ − yᵢ)²。讲义给出 ∂L/∂ŷᵢ = (1/n)(ŷᵢ − yᵢ)。"
                                "它能通过 PyTorch 的 gradcheck 吗?"),
    "q.loss_notes_mse.opt.pass": ("yes, it passes", "能,会通过"),
    "q.loss_notes_mse.opt.fail": ("no, it fails", "不能,会失败"),
    "q.loss_notes_mse.answer": (
        "At y = ({y}), ŷ = ({yhat}), {preset} answers **{correct}**: each finite difference is "
        "{factor}× the notes' value, a relative error of **{rel}** in every entry.",
        "在 y = ({y})、ŷ = ({yhat}) 处,{preset} 的结论是 **{correct}**:每个有限差分都是讲义数值的 {factor} 倍,"
        "每个分量的相对误差都是 **{rel}**。"),
    "q.loss_notes_mse.why": (
        "The derivative of (ŷᵢ − yᵢ)² is 2(ŷᵢ − yᵢ): the notes dropped the 2, so the right "
        "gradient is (2/n)(ŷᵢ − yᵢ). Half the true value is a relative error of "
        "|a − 2a| / |2a| = 0.5, fifty thousand times the 1e-5 a check tolerates. The notes' form "
        "is the gradient of L = (1/2n) Σ (ŷᵢ − yᵢ)², which is why it looks familiar.",
        "(ŷᵢ − yᵢ)² 的导数是 2(ŷᵢ − yᵢ):讲义漏掉了 2,正确的梯度是 (2/n)(ŷᵢ − yᵢ)。"
        "只有真值的一半意味着相对误差 |a − 2a| / |2a| = 0.5,是检验所容许的 1e-5 的五万倍。"
        "讲义的形式其实是 L = (1/2n) Σ (ŷᵢ − yᵢ)² 的梯度,所以看起来眼熟。"),
    "q.loss_ce_n.title": ("Cross-entropy's gradient: where does the 1/n go?",
                          "交叉熵的梯度:1/n 去哪儿了?"),
    "q.loss_ce_n.prompt": ("L = −(1/n) Σ yᵢ log ŷᵢ with n = 3, y = (1, 0, 0), ŷ = (0.7, 0.2, 0.1). "
                           "What is ∂L/∂ŷ₁?",
                           "L = −(1/n) Σ yᵢ log ŷᵢ,n = 3,y = (1, 0, 0),ŷ = (0.7, 0.2, 0.1)。"
                           "∂L/∂ŷ₁ 是多少?"),
    "q.loss_ce_n.opt.notes": ("−1/0.7, about −1.43", "−1/0.7,约 −1.43"),
    "q.loss_ce_n.opt.mean": ("−1/(3 · 0.7), about −0.476", "−1/(3 · 0.7),约 −0.476"),
    "q.loss_ce_n.opt.residual": ("ŷ₁ − y₁ = −0.3", "ŷ₁ − y₁ = −0.3"),
    "q.loss_ce_n.answer": (
        "∂L/∂ŷ₁ = **{grad}** = −y₁/(n ŷ₁) with n = {n}. The notes' −y₁/ŷ₁ = {notes} is "
        "{n}× too large: a gradient check gives it a relative error of {rel}.",
        "∂L/∂ŷ₁ = **{grad}** = −y₁/(n ŷ₁),n = {n}。讲义的 −y₁/ŷ₁ = {notes} 大了 {n} 倍:"
        "梯度检验给出的相对误差为 {rel}。"),
    "q.loss_ce_n.why": (
        "The 1/n in front of the sum is a constant: it stays in every partial derivative. "
        "Dropping it gives a gradient n times too large, which trains at an n-times larger "
        "learning rate without telling you. (ŷ − y is the gradient with respect to the logits "
        "of softmax + cross-entropy, not with respect to the probabilities.)",
        "求和前面的 1/n 是常数:它会留在每个偏导数里。丢掉它,梯度就大了 n 倍,相当于不声不响地把学习率"
        "放大了 n 倍。(ŷ − y 是 softmax + 交叉熵对 logits 的梯度,而不是对概率的梯度。)"),

    # --- gradient-check lab ----------------------------------------------------------------------
    "q.gc_round.title": ("At h = 1e-10, which finite difference wins?",
                         "h = 1e-10 时,哪种有限差分最准?"),
    "q.gc_round.prompt": ("f = sin at x = 1 with step h = 1e-10. Which scheme comes closest to "
                          "f′(1) = cos 1?",
                          "f = sin,x = 1,步长 h = 1e-10。哪种格式最接近 f′(1) = cos 1?"),
    "q.gc_round.opt.forward": ("forward difference", "前向差分"),
    "q.gc_round.opt.central": ("central difference", "中心差分"),
    "q.gc_round.opt.complex_step": ("complex step", "复步长"),
    "q.gc_round.answer": (
        "Relative errors at h = {h}: forward {forward}, central {central}, complex step "
        "**{complex_step}**.",
        "h = {h} 时的相对误差:前向 {forward},中心 {central},复步长 **{complex_step}**。"),
    "q.gc_round.why": (
        "At so small a step truncation is negligible; round-off rules. sin(1 + h) and sin(1) "
        "agree in their first 10 digits, so their difference keeps only about 6 of them: an "
        "error near ε/h ≈ 1e-6 for forward and central alike (the central scheme's better "
        "order does not help here). The complex step subtracts nothing: Im sin(1 + ih)/h = "
        "cos(1)·sinh(h)/h, exact to the last digit for any tiny h.",
        "步长这么小,截断误差可以忽略,舍入误差占主导。sin(1 + h) 与 sin(1) 的前 10 位相同,"
        "相减后只剩约 6 位有效数字:前向与中心差分的误差都在 ε/h ≈ 1e-6 附近(中心格式更高的阶数在这里"
        "帮不上忙)。复步长不做减法:Im sin(1 + ih)/h = cos(1)·sinh(h)/h,对任意极小的 h 都精确到最后一位。"),
    "q.gc_kink.title": ("The central difference of ReLU at its kink", "ReLU 在尖点处的中心差分"),
    "q.gc_kink.prompt": ("What does the central difference (f(h) − f(−h)) / 2h give for ReLU at "
                         "exactly x = 0?",
                         "在 x = 0 处,ReLU 的中心差分 (f(h) − f(−h)) / 2h 等于多少?"),
    "q.gc_kink.opt.zero": ("0", "0"),
    "q.gc_kink.opt.half": ("0.5", "0.5"),
    "q.gc_kink.opt.one": ("1", "1"),
    "q.gc_kink.answer": (
        "The central difference gives **{numerical}** (h = {h}), the analytic ReLU′(0) is "
        "{analytical}: a relative error of {rel}, where a good check needs at most 1e-7.",
        "中心差分给出 **{numerical}**(h = {h}),解析的 ReLU′(0) 为 {analytical}:相对误差 {rel},"
        "而合格的检验要求不超过 1e-7。"),
    "q.gc_kink.why": (
        "(f(h) − f(−h)) / 2h = (h − 0) / 2h = 1/2 for every h: the average of the slopes on "
        "either side, 0 and 1. Neither the code nor the difference is wrong; the function has "
        "no derivative there. That is why checks are run away from kinks, or judged with a "
        "looser band near them.",
        "(f(h) − f(−h)) / 2h = (h − 0) / 2h = 1/2,与 h 无关:它是两侧斜率 0 和 1 的平均。"
        "代码和差分都没有错;函数在该点本就没有导数。所以梯度检验要避开尖点,或在尖点附近使用更宽松的标准。"),

    # --- your own function -----------------------------------------------------------------------
    "q.fn_abs0.title": ("Type abs(x): what is f′(0)?", "输入 abs(x):f′(0) 是多少?"),
    "q.fn_abs0.prompt": ("Type abs(x) in the formula box. What value does this page show for "
                         "sympy's f′ at x = 0?",
                         "在公式框中输入 abs(x)。本页显示 sympy 给出的 f′ 在 x = 0 处的值是多少?"),
    "q.fn_abs0.opt.minus_one": ("−1", "−1"),
    "q.fn_abs0.opt.zero": ("0", "0"),
    "q.fn_abs0.opt.one": ("1", "1"),
    "q.fn_abs0.opt.undefined": ("no number: it shows that f′(0) is undefined",
                                "没有数值:显示 f′(0) 无定义"),
    "q.fn_abs0.answer": (
        "sympy writes f′ = {df}, and at 0 that is **{at0}**. The central difference agrees "
        "({central}); the one-sided differences are {left} and {right}.",
        "sympy 给出 f′ = {df},在 0 处为 **{at0}**。中心差分与之一致({central});"
        "两侧差分分别为 {left} 和 {right}。"),
    "q.fn_abs0.why": (
        "abs has no derivative at 0: the slope jumps from −1 to 1. sympy still writes a formula, "
        "sign(x), and sign(0) = 0 by convention (a valid subgradient, the one PyTorch uses too). "
        "The central difference (|h| − |−h|) / 2h = 0 agrees with it, so a check at the kink "
        "passes without telling you there is one: look at the one-sided slopes.",
        "abs 在 0 处没有导数:斜率从 −1 跳到 1。sympy 仍然给出公式 sign(x),而按约定 sign(0) = 0"
        "(一个合法的次梯度,PyTorch 也用它)。中心差分 (|h| − |−h|) / 2h = 0 与之一致,所以尖点处的检验"
        "会通过,却不会告诉你那里有尖点:要看两侧的斜率。"),
    "q.fn_overflow.title": ("The textbook sigmoid at x = 1000", "x = 1000 处的教科书式 sigmoid"),
    "q.fn_overflow.prompt": ("Type exp(x)/(1 + exp(x)), the sigmoid as textbooks write it. What "
                             "does float64 give at x = 1000?",
                             "输入 exp(x)/(1 + exp(x)),即教科书写法的 sigmoid。在 float64 下 "
                             "x = 1000 处得到什么?"),
    "q.fn_overflow.opt.one": ("1", "1"),
    "q.fn_overflow.opt.inf": ("inf", "inf"),
    "q.fn_overflow.opt.nan": ("NaN", "NaN"),
    "q.fn_overflow.opt.zero": ("0", "0"),
    "q.fn_overflow.answer": (
        "exp(1000) = {exp} in float64, so the formula gives **{value}**; the stable sigmoid "
        "gives {stable}.",
        "在 float64 下 exp(1000) = {exp},所以该公式得到 **{value}**;稳定的 sigmoid 得到 {stable}。"),
    "q.fn_overflow.why": (
        "float64 overflows above about 1.8e308, and e^x gets there at x ≈ 709.8. Then the "
        "formula divides inf by inf, which is NaN, although the true value is 1 to all 16 "
        "digits. Stable code never forms e^x for large x: for x ≥ 0 it computes "
        "1/(1 + e^(−x)). The page offers that spelling, sigmoid(x), when it spots the overflow.",
        "float64 在约 1.8e308 以上溢出,e^x 在 x ≈ 709.8 时就到了。于是公式变成 inf 除以 inf,"
        "结果是 NaN,而真实值在 16 位精度内就是 1。稳定的代码从不对大的 x 计算 e^x:x ≥ 0 时它计算 "
        "1/(1 + e^(−x))。本页发现溢出时会推荐这种写法 sigmoid(x)。"),

    # --- backprop, node by node ------------------------------------------------------------------
    "q.bp_fanout.title": ("A node used twice: what is its gradient?", "被用了两次的节点:它的梯度是多少?"),
    "q.bp_fanout.prompt": ("With MSE the graph computes L = r · r with r = a − t, so r feeds both "
                           "inputs of the product. What is dL/dr?",
                           "使用 MSE 时,计算图算的是 L = r · r,r = a − t,所以 r 同时是乘法的两个输入。"
                           "dL/dr 是多少?"),
    "q.bp_fanout.opt.r": ("r, from one edge", "r,来自一条边"),
    "q.bp_fanout.opt.two_r": ("2r, both edges added", "2r,两条边相加"),
    "q.bp_fanout.opt.r_squared": ("r²", "r²"),
    "q.bp_fanout.answer": (
        "For r = {r} the two edges bring {shares}, and backprop adds them: dL/dr = **{grad}** "
        "= 2r.",
        "r = {r} 时两条边分别带来 {shares},反向传播把它们相加:dL/dr = **{grad}** = 2r。"),
    "q.bp_fanout.why": (
        "Each edge out of a node carries local × upstream, here r × 1 from each slot of r · r. "
        "A node used several times gets the sum of its edges' shares: the multivariable chain "
        "rule. Writing grad = share instead of grad += share is a classic backprop bug; it "
        "would give r, half the truth.",
        "每条从节点出发的边携带 局部导数 × 上游梯度,这里 r · r 的每个位置各贡献 r × 1。被多次使用的节点"
        "得到各条边贡献之和:这就是多元链式法则。把 grad += share 写成 grad = share 是反向传播的经典错误,"
        "会得到 r,只有真值的一半。"),
    "q.bp_zero_input.title": ("An input of 0: what is its weight's gradient?",
                              "输入为 0:它的权重梯度是多少?"),
    "q.bp_zero_input.prompt": ("In z = w₁x₁ + w₂x₂ + b the input x₁ is 0. What is ∂L/∂w₁?",
                               "在 z = w₁x₁ + w₂x₂ + b 中,输入 x₁ 为 0。∂L/∂w₁ 是多少?"),
    "q.bp_zero_input.opt.zero": ("0", "0"),
    "q.bp_zero_input.opt.same_as_b": ("the same as ∂L/∂b", "与 ∂L/∂b 相同"),
    "q.bp_zero_input.opt.depends_w": ("it depends on w₁ and can be anything",
                                      "取决于 w₁,可以是任何值"),
    "q.bp_zero_input.answer": (
        "∂L/∂w₁ = **{dw1}**, while ∂L/∂w₂ = {dw2} and ∂L/∂b = ∂L/∂z = {db}.",
        "∂L/∂w₁ = **{dw1}**,而 ∂L/∂w₂ = {dw2},∂L/∂b = ∂L/∂z = {db}。"),
    "q.bp_zero_input.why": (
        "∂L/∂wᵢ = (∂L/∂z) · xᵢ: a weight's gradient is the error at its neuron times the "
        "input it multiplies. An input that is 0 in this example teaches its weight nothing "
        "from this example, whatever w₁ is. The bias's input is always 1, so ∂L/∂b is the "
        "error ∂L/∂z itself.",
        "∂L/∂wᵢ = (∂L/∂z) · xᵢ:权重的梯度等于其神经元处的误差乘以它所乘的输入。在这个样本中为 0 的输入,"
        "无论 w₁ 是多少,都不会让它的权重从这个样本学到任何东西。偏置的输入总是 1,所以 ∂L/∂b 就是误差 "
        "∂L/∂z 本身。"),

    # --- backprop in a network -------------------------------------------------------------------
    "q.bpn_dead.title": ("A ReLU neuron that is off: what do its weights learn?",
                         "处于关闭状态的 ReLU 神经元:它的权重学到什么?"),
    "q.bpn_dead.prompt": ("A hidden ReLU neuron has a negative pre-activation z for this example. "
                          "What is the gradient of its incoming weights, its row of ∂L/∂W₁?",
                          "某个隐藏层 ReLU 神经元在这个样本上的预激活 z 为负。它的输入权重的梯度,"
                          "即 ∂L/∂W₁ 中它的那一行,是多少?"),
    "q.bpn_dead.opt.zero": ("exactly 0", "恰好为 0"),
    "q.bpn_dead.opt.small": ("small, but not 0", "很小,但不为 0"),
    "q.bpn_dead.opt.same": ("as large as a live neuron's", "与激活的神经元一样大"),
    "q.bpn_dead.answer": (
        "In a 2–4–2 ReLU net (seed 0) at x = (0.5, −1), neuron {neuron} has z = {z}; its row of "
        "∂L/∂W₁ is **({row})**. Neuron {live}, which is on, gets ({live_row}).",
        "在一个 2–4–2 的 ReLU 网络(种子 0)中,x = (0.5, −1) 时神经元 {neuron} 的 z = {z};"
        "它在 ∂L/∂W₁ 中的那一行为 **({row})**。处于激活状态的神经元 {live} 得到 ({live_row})。"),
    "q.bpn_dead.why": (
        "δ₁ = (W₂ᵀ δ₂) ⊙ ReLU′(z₁), and ReLU′(z) = 0 for z < 0: whatever flows back from the "
        "output is multiplied by 0 at that neuron, and so is every weight gradient into it. "
        "If z stays negative for every example, the neuron never learns again: a dead ReLU. "
        "Leaky ReLU keeps a small slope there for this reason.",
        "δ₁ = (W₂ᵀ δ₂) ⊙ ReLU′(z₁),而 z < 0 时 ReLU′(z) = 0:从输出传回的任何梯度在该神经元处都被乘以 0,"
        "流入它的每个权重梯度也是如此。如果 z 对所有样本都为负,这个神经元就再也学不到东西:这就是"
        "“死亡 ReLU”。Leaky ReLU 正是为此在负半轴保留了一个小斜率。"),
    "q.bpn_output_delta.title": ("Softmax + cross-entropy: δ at the output",
                                 "softmax + 交叉熵:输出层的 δ"),
    "q.bpn_output_delta.prompt": ("A softmax output trained with cross-entropy, averaged over the n "
                                  "classes as in the notes. What is δ = ∂ℓ/∂z at the output?",
                                  "softmax 输出用交叉熵训练,按讲义对 n 个类别取平均。输出层的 δ = ∂ℓ/∂z "
                                  "是多少?"),
    "q.bpn_output_delta.opt.s_minus_y": ("s − y", "s − y"),
    "q.bpn_output_delta.opt.over_n": ("(s − y)/n", "(s − y)/n"),
    "q.bpn_output_delta.opt.y_minus_s": ("y − s", "y − s"),
    "q.bpn_output_delta.opt.over_s": ("−y/s, entry by entry", "−y/s,逐元素"),
    "q.bpn_output_delta.answer": (
        "With s = ({s}) and y = ({y}), the core's δ is ({delta}): **{correct}** with n = {n}.",
        "s = ({s}),y = ({y}) 时,核心代码算出的 δ 为 ({delta}):**{correct}**,n = {n}。"),
    "q.bpn_output_delta.why": (
        "∂ℓ/∂s = −y/(n s) (the 1/n of the mean stays), and the chain rule through the softmax "
        "multiplies by Jᵀ = diag(s) − s sᵀ: −y/n + s Σⱼ yⱼ/n = (s − y)/n, since y sums to 1. "
        "The Jacobian never has to be built. Frameworks that sum over classes instead of "
        "averaging get s − y.",
        "∂ℓ/∂s = −y/(n s)(平均带来的 1/n 保留下来),经过 softmax 的链式法则再乘以 Jᵀ = diag(s) − s sᵀ:"
        "−y/n + s Σⱼ yⱼ/n = (s − y)/n,因为 y 的和为 1。根本不需要构造雅可比矩阵。对类别求和而不是"
        "取平均的框架得到的是 s − y。"),

    # --- vanishing and exploding gradients -------------------------------------------------------
    "q.bpd_first.title": ("A deep sigmoid net: which layer's gradient is smallest?",
                          "深层 sigmoid 网络:哪一层的梯度最小?"),
    "q.bpd_first.prompt": ("A 10-layer MLP with sigmoid activations and Xavier init. Which layer "
                           "has the smallest gradient ‖δₗ‖?",
                           "一个 10 层、使用 sigmoid 激活和 Xavier 初始化的 MLP。哪一层的梯度 ‖δₗ‖ 最小?"),
    "q.bpd_first.opt.first": ("layer 1, next to the input", "第 1 层,紧挨输入"),
    "q.bpd_first.opt.middle": ("a layer in the middle", "中间的某一层"),
    "q.bpd_first.opt.last": ("the last layer, next to the loss", "最后一层,紧挨损失"),
    "q.bpd_first.opt.same": ("they are all about the same", "各层差不多"),
    "q.bpd_first.answer": (
        "Layer **{smallest}**: ‖δ₁‖ = {first} against ‖δ{top}‖ = {last} at the top, "
        "{ratio}× smaller (mean over 3 seeds).",
        "第 **{smallest}** 层:‖δ₁‖ = {first},而顶层 ‖δ{top}‖ = {last},小了 {ratio} 倍(3 个种子的平均)。"),
    "q.bpd_first.why": (
        "Backprop goes from the loss down: each layer multiplies δ by Wᵀ and by σ′(z) ≤ 1/4. "
        "With Xavier weights Wᵀ roughly keeps the size, so every layer shrinks δ by 4× or "
        "more, and the layer farthest from the loss, the first, gets the least: the vanishing "
        "gradient. Its weights barely move while the top layers train.",
        "反向传播从损失往下走:每一层都把 δ 乘以 Wᵀ 和 σ′(z) ≤ 1/4。Xavier 权重下 Wᵀ 大致保持大小不变,"
        "所以每一层都让 δ 至少缩小 4 倍,离损失最远的第一层得到的最少:这就是梯度消失。顶层在训练时,"
        "它的权重几乎不动。"),
    "q.bpd_relu_he.title": ("ReLU with He init: does the gradient vanish?",
                            "ReLU 加 He 初始化:梯度会消失吗?"),
    "q.bpd_relu_he.prompt": ("The same 10 layers with ReLU and He init. Compared with ‖δ₁₀‖ at the "
                             "top, ‖δ₁‖ at the bottom is…",
                             "同样 10 层,改用 ReLU 和 He 初始化。与顶层的 ‖δ₁₀‖ 相比,底层的 ‖δ₁‖……"),
    "q.bpd_relu_he.opt.vanish": ("over 10× smaller: it vanishes", "小 10 倍以上:梯度消失"),
    "q.bpd_relu_he.opt.explode": ("over 10× larger: it explodes", "大 10 倍以上:梯度爆炸"),
    "q.bpd_relu_he.opt.flat": ("within a factor of 10", "相差不到 10 倍"),
    "q.bpd_relu_he.answer": (
        "‖δ₁‖ = {first} and ‖δ{top}‖ = {last}, a factor of {ratio}: **{correct}** (mean over 3 "
        "seeds).",
        "‖δ₁‖ = {first},‖δ{top}‖ = {last}:相差 {ratio} 倍:**{correct}**(3 个种子的平均)。"),
    "q.bpd_relu_he.why": (
        "ReLU′ is 1 where a unit is on and 0 where it is off, and about half are off, which "
        "halves the signal's variance per layer. He init draws W with variance 2/fan-in to give "
        "that factor 2 back, so δ keeps its size from layer to layer (it drifts a little, more "
        "with depth). This is what made deep ReLU nets trainable from scratch.",
        "ReLU′ 在单元激活时为 1,关闭时为 0,大约一半单元是关闭的,每层使信号的方差减半。He 初始化以方差 "
        "2/fan-in 抽取 W,正好把这个 2 倍补回来,所以 δ 在层与层之间保持大小(略有漂移,层数越多越明显)。"
        "正是这一点让深层 ReLU 网络可以从零开始训练。"),

    # --- training --------------------------------------------------------------------------------
    "q.bpt_zero_init.title": ("Every weight starts at 0: what does the first layer learn?",
                              "所有权重从 0 开始:第一层学到什么?"),
    "q.bpt_zero_init.prompt": ("A tanh MLP starts with every weight and bias at 0. What is ∂L/∂W₁ "
                               "at the first step?",
                               "一个 tanh MLP 的所有权重和偏置都从 0 开始。第一步的 ∂L/∂W₁ 是多少?"),
    "q.bpt_zero_init.opt.zero": ("exactly 0", "恰好为 0"),
    "q.bpt_zero_init.opt.same_rows": ("not 0, but the same in every row", "不为 0,但每一行都相同"),
    "q.bpt_zero_init.opt.random": ("not 0, and different in every row", "不为 0,且每一行都不同"),
    "q.bpt_zero_init.answer": (
        "On the xor data: the largest entry of ∂L/∂W₁ is **{dW1}**, of ∂L/∂W₂ {dW2}; only the "
        "output bias moves (its gradient is {db2}).",
        "在 xor 数据上:∂L/∂W₁ 的最大元素为 **{dW1}**,∂L/∂W₂ 的为 {dW2};只有输出层偏置在动"
        "(其梯度为 {db2})。"),
    "q.bpt_zero_init.why": (
        "With W = 0 every hidden unit outputs tanh(0) = 0, so ∂L/∂W₂ = δ₂ aᵀ = 0, and "
        "δ₁ = (W₂ᵀ δ₂) ⊙ f′ = 0 because W₂ = 0. W₂ never moves, so neither does W₁: the net "
        "can only learn the class frequencies. Any constant start has a milder form of the "
        "problem, identical units that stay identical; random init breaks the symmetry.",
        "W = 0 时每个隐藏单元输出 tanh(0) = 0,所以 ∂L/∂W₂ = δ₂ aᵀ = 0;又因为 W₂ = 0,"
        "δ₁ = (W₂ᵀ δ₂) ⊙ f′ = 0。W₂ 永远不动,W₁ 也就不动:网络只能学到类别的频率。任何常数初始化都有"
        "这个问题的较轻形式:完全相同的单元永远保持相同;随机初始化打破了这种对称性。"),
    "q.bpt_big_lr.title": ("A learning rate of 50: what happens to the loss?",
                           "学习率为 50:损失会怎样?"),
    "q.bpt_big_lr.prompt": ("Full-batch gradient descent on xor with learning rate 50, for 50 steps. "
                            "Afterwards the loss is…",
                            "在 xor 上以学习率 50 做 50 步全批量梯度下降。之后损失……"),
    "q.bpt_big_lr.opt.lower": ("lower than at the start", "比开始时低"),
    "q.bpt_big_lr.opt.higher": ("higher than at the start", "比开始时高"),
    "q.bpt_big_lr.opt.same": ("about the same", "差不多"),
    "q.bpt_big_lr.answer": (
        "At learning rate {lr} the loss goes from {start} to **{end}** after {steps} steps, "
        "peaking at {top}.",
        "学习率为 {lr} 时,{steps} 步后损失从 {start} 变为 **{end}**,峰值为 {top}。"),
    "q.bpt_big_lr.why": (
        "The gradient only says which way is down near the current weights. A step of 50 times "
        "the gradient jumps far past the valley to where the loss is higher, and the next "
        "gradient, larger still, throws it back further: the run oscillates or diverges. "
        "Smaller steps follow the slope; the training page's learning rates stop at 3.",
        "梯度只说明在当前权重附近哪个方向是下坡。50 倍梯度的一步会远远越过谷底,跳到损失更高的地方,"
        "下一步更大的梯度又把它甩得更远:训练振荡或发散。小步长才能顺着坡走;训练页面的学习率最大只到 3。"),
}
