ˆ…

xPlaceholder

wVarHandleOp

mmMatMul

save/SaveV2SaveV2

save/RestoreV2	RestoreV2


fn
callEagerPyFunc