"""Text of the Losses page."""

TEXT = {
    "loss.title": ("Losses and their gradients", "损失函数及其梯度"),
    "loss.intro": (
        "Pick a loss, move the targets y and the predictions ŷ (or the logits z), and compare the "
        "hand-written gradient ∂L/∂ŷ with the one finite differences measure on the function "
        "that runs. Every loss is the mean over its n components, as in the notes.",
        "选择一个损失函数,拖动目标 y 与预测 ŷ(或 logits z),比较手写的梯度 ∂L/∂ŷ "
        "与有限差分在实际运行的函数上测得的梯度。与笔记一致,每个损失都是对 n 个分量取平均。"),
    "loss.inputs": ("Inputs", "输入"),
    "loss.components": ("Targets and predictions", "目标与预测"),
    "loss.choose": ("Loss", "损失函数"),
    # each registry loss by name on screen (the record's label is the English one)
    "loss.name.mse": ("Mean squared error", "均方误差"),
    "loss.name.cross_entropy": ("Cross-entropy (on probabilities)", "交叉熵(输入为概率)"),
    "loss.name.binary_cross_entropy": ("Binary cross-entropy (on probabilities)",
                                       "二元交叉熵(输入为概率)"),
    "loss.name.softmax_cross_entropy": ("Softmax + cross-entropy (on logits)",
                                        "Softmax + 交叉熵(输入为 logits)"),
    "loss.name.huber": ("Huber", "Huber 损失"),
    "loss.n": ("Number of components n", "分量个数 n"),
    "loss.param.delta": ("Huber threshold δ", "Huber 阈值 δ"),
    "loss.target.values": ("Targets y (any real values)", "目标 y(任意实数)"),
    "loss.target.distribution": ("Targets y (a distribution: ≥ 0, summing to 1)",
                                 "目标 y(概率分布:非负且和为 1)"),
    "loss.target.binary": ("Targets y (each in [0, 1])", "目标 y(每个在 [0, 1] 内)"),
    "loss.prediction.values": ("Predictions ŷ (any real values)", "预测 ŷ(任意实数)"),
    "loss.prediction.probabilities": ("Predicted probabilities ŷ", "预测概率 ŷ"),
    "loss.prediction.logits": ("Logits z (ŷ = softmax(z))", "Logits z(ŷ = softmax(z))"),
    "loss.invalid": (
        "No loss or gradient is shown for these inputs: fix them above and the numbers return.",
        "当前输入无效,因此不显示损失值与梯度:修正上面的输入后数字会重新出现。"),
    "loss.formulas": ("Formulas", "公式"),
    "loss.col_notes": ("The notes say", "笔记写的是"),
    "loss.col_correct": ("Correct", "正确形式"),
    "loss.use_notes": ("Use the notes' gradient", "使用笔记中的梯度"),
    "loss.use_notes_help": (
        "Replace the correct analytic gradient with the notes' formula and run the same check.",
        "用笔记中的公式替换正确的解析梯度,并运行同样的检验。"),
    "loss.no_notes": (
        "The notes have no formula for this loss's gradient, so there is nothing to switch: "
        "the check below uses the correct gradient.",
        "笔记没有给出这个损失函数的梯度公式,因此没有可切换的版本:下面的检验使用正确的梯度。"),
    "loss.check": ("Analytic against finite-difference gradient", "解析梯度与有限差分梯度"),
    "loss.value": ("Loss L", "损失 L"),
    "loss.check_pass": (
        "Check passed ({preset}): the analytic gradient matches finite differences at every "
        "component.",
        "检验通过({preset}):解析梯度在每个分量上都与有限差分一致。"),
    "loss.check_fail": (
        "Check FAILED ({preset}): the analytic gradient disagrees with finite differences.",
        "检验失败({preset}):解析梯度与有限差分不一致。"),
    "loss.one_sided.forward": (
        "{name} = {value} sits on the edge of [0, 1]: its term of the loss is 0 there (the target "
        "is the same), and the gradient is the other term's, {grad} (= +1/n, n = {n}). The "
        "numerical side takes a forward difference into the interval, since a central one would "
        "need {name} < 0.",
        "{name} = {value} 位于 [0, 1] 的边界:此处它那一项损失为 0(目标值相同),梯度来自另一项,"
        "为 {grad}(= +1/n,n = {n})。数值一侧改用向区间内的前向差分,因为中心差分需要 {name} < 0。"),
    "loss.one_sided.backward": (
        "{name} = {value} sits on the edge of [0, 1]: its term of the loss is 0 there (the target "
        "is the same), and the gradient is the other term's, {grad} (= −1/n, n = {n}). The "
        "numerical side takes a backward difference into the interval, since a central one would "
        "need {name} > 1.",
        "{name} = {value} 位于 [0, 1] 的边界:此处它那一项损失为 0(目标值相同),梯度来自另一项,"
        "为 {grad}(= −1/n,n = {n})。数值一侧改用向区间内的后向差分,因为中心差分需要 {name} > 1。"),
    "loss.check_source": ("Settings: {source}. The checker's report:",
                          "设置:{source}。检验器的报告:"),
    "loss.why.mse": (
        "**Why it fails:** the notes' (1/n)(ŷᵢ − yᵢ) is half the true gradient (2/n)(ŷᵢ − yᵢ). "
        "Differentiating (ŷᵢ − yᵢ)² brings down a factor 2; the notes' form is the gradient of "
        "(1/2n)‖y − ŷ‖², a different loss from the one they define. Finite differences measure "
        "the function that runs, so the numerical bars are twice the notes' bars.",
        "**为什么失败:** 笔记中的 (1/n)(ŷᵢ − yᵢ) 只是真实梯度 (2/n)(ŷᵢ − yᵢ) 的一半。"
        "对 (ŷᵢ − yᵢ)² 求导会带下来因子 2;笔记的形式其实是 (1/2n)‖y − ŷ‖² 的梯度,"
        "与笔记所定义的损失不同。有限差分测量的是实际运行的函数,所以数值梯度的柱子是笔记版本的两倍。"),
    "loss.why.cross_entropy": (
        "**Why it fails:** the notes' −yᵢ/ŷᵢ drops the 1/n of the mean. L = −(1/n) Σ yᵢ log ŷᵢ "
        "keeps its 1/n when differentiated, so ∂L/∂ŷᵢ = −yᵢ/(n ŷᵢ): the notes' gradient is n "
        "times too large wherever yᵢ ≠ 0 (and right only where yᵢ = 0, both being 0).",
        "**为什么失败:** 笔记中的 −yᵢ/ŷᵢ 丢掉了平均里的 1/n。L = −(1/n) Σ yᵢ log ŷᵢ 求导后 "
        "1/n 仍然保留,所以 ∂L/∂ŷᵢ = −yᵢ/(n ŷᵢ):在 yᵢ ≠ 0 的分量上,笔记的梯度大了 n 倍"
        "(只有 yᵢ = 0 的分量两者都为 0,才碰巧一致)。"),
    "loss.col_component": ("component", "分量"),
    "loss.col_analytic": ("analytic ∂L", "解析 ∂L"),
    "loss.col_notes_grad": ("notes' ∂L", "笔记 ∂L"),
    "loss.col_numerical": ("numerical ∂L", "数值 ∂L"),
    "loss.col_rel_error": ("relative error", "相对误差"),
    "loss.col_band": ("verdict", "判定"),
    "loss.bars_y": ("∂L / ∂input", "∂L / ∂输入"),
    "loss.notes_name": ("notes' gradient", "笔记的梯度"),
    "loss.sweep": ("One component at a time", "一次只动一个分量"),
    "loss.sweep_intro": (
        "The loss and its derivative as the one component k moves across its range, the others "
        "held where the sliders put them. The dot is the current point; the lower curve is the "
        "slope of the upper one.",
        "只让第 k 个分量在其范围内移动、其余分量保持滑块位置时,损失及其导数的变化。"
        "圆点是当前点;下方曲线是上方曲线的斜率。"),
    "loss.sweep_k": ("Component k that moves", "移动的分量 k"),
    "loss.sweep_value": ("L", "L"),
    "loss.sweep_slope": ("∂L/∂ (component k)", "∂L/∂(第 k 分量)"),
    "loss.chain": ("Softmax + cross-entropy: through the Jacobian, and the short form",
                   "Softmax + 交叉熵:经由雅可比矩阵,以及简化形式"),
    "loss.chain_intro": (
        "The chain rule says ∂L/∂z = Jᵀ ∂L/∂s, with s = softmax(z), J the softmax Jacobian "
        "diag(s) − s sᵀ, and ∂L/∂sᵢ = −yᵢ/(n sᵢ) the cross-entropy gradient. Multiplying out "
        "gives the short form (sᵢ Σⱼ yⱼ − yᵢ)/n, which backprop uses: no n×n matrix and no "
        "division by a tiny sᵢ. Both columns below come from the core; they agree to rounding.",
        "链式法则给出 ∂L/∂z = Jᵀ ∂L/∂s,其中 s = softmax(z),J 是 softmax 的雅可比矩阵 "
        "diag(s) − s sᵀ,∂L/∂sᵢ = −yᵢ/(n sᵢ) 是交叉熵的梯度。乘开后得到简化形式 "
        "(sᵢ Σⱼ yⱼ − yᵢ)/n,反向传播用的就是它:不需要 n×n 矩阵,也不必除以很小的 sᵢ。"
        "下表两列都来自核心代码,二者在舍入误差内一致。"),
    "loss.chain_s": ("s = softmax(z)", "s = softmax(z)"),
    "loss.chain_grad_s": ("∂L/∂s", "∂L/∂s"),
    "loss.chain_via": ("Jᵀ ∂L/∂s", "Jᵀ ∂L/∂s"),
    "loss.chain_short": ("(s Σy − y)/n", "(s Σy − y)/n"),
    "loss.chain_max": ("Largest difference between the two: {diff:.3g}",
                       "两者的最大差值:{diff:.3g}"),
    "loss.chain_jacobian": ("The Jacobian J = ∂s/∂z", "雅可比矩阵 J = ∂s/∂z"),
    "loss.sigmoid": ("Why cross-entropy does not stall", "为什么交叉熵不会停滞"),
    "loss.sigmoid_intro": (
        "One sigmoid output ŷ = σ(z) with target y = 1, trained on binary cross-entropy or on "
        "squared error. Through the sigmoid, BCE's gradient is dL/dz = σ(z) − y: as large as the "
        "mistake. MSE's is 2(σ(z) − y)·σ′(z), and σ′(z) vanishes when the sigmoid saturates: at "
        "z = −10 the prediction is badly wrong, yet MSE's gradient is about 1e-4 and learning "
        "stalls. The cross-entropy's log cancels the σ′.",
        "一个 sigmoid 输出 ŷ = σ(z),目标 y = 1,分别用二元交叉熵和平方误差训练。"
        "经过 sigmoid 后,BCE 的梯度是 dL/dz = σ(z) − y:误差有多大,梯度就有多大。"
        "MSE 的梯度是 2(σ(z) − y)·σ′(z),而 sigmoid 饱和时 σ′(z) 趋于 0:在 z = −10 处预测错得离谱,"
        "MSE 的梯度却只有约 1e-4,学习停滞。交叉熵中的 log 恰好抵消了 σ′。"),
    "loss.sigmoid_title": ("dL/dz through a sigmoid, target y = 1", "经过 sigmoid 的 dL/dz,目标 y = 1"),
    "loss.sigmoid_bce": ("BCE: σ(z) − y", "BCE:σ(z) − y"),
    "loss.sigmoid_mse": ("MSE: 2(σ(z) − y)σ′(z)", "MSE:2(σ(z) − y)σ′(z)"),
    "loss.sigmoid_stall": ("MSE: σ′ ≈ 0, learning stalls", "MSE:σ′ ≈ 0,学习停滞"),
}
