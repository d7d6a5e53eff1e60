# Places of a record (origin, residence, previous residence): set by the writer from the record it follows, checked by receivers (liudong-core placing, workflow).

places-none = none
places-role-origin = origin
places-role-residence = residence
places-role-previous = previous residence
# A correction's places differ from its target's.
places-correction-differs = { $found } differs from the { $role } ({ $expected }) of record { $target } it corrects: a correction goes only to the nodes the corrected record reached. Leave the places out and the writing node sets them from the corrected record
# An acknowledgement's places differ from its inflow's.
places-ack-differs = { $found } differs from the { $role } ({ $expected }) of inflow registration { $inflow } it acknowledges: an acknowledgement goes to the residence that registered the inflow. Leave the places out and the writing node sets them from the inflow
# An amendment of a residence change changes the residence the person left.
places-amended-previous-differs = an amendment cannot change the previous residence ({ $expected }) of residence change { $target }: void that record and write a new residence change
# A return names another residence than the one held here.
places-return-differs = { $found } is not the person's residence as held at this node ({ $current }): a return names the residence the person leaves. Leave it out and the writing node sets it
# A residence change names another previous residence than the one held here.
places-previous-differs = previous residence { $found } is not the person's residence as held at this node ({ $current }). Leave it out and the writing node sets it
# The origin is missing.
places-origin-required = required: the 12-digit village code of the person's registered locality (only a correction or an inflow acknowledgement may leave it out: they take it from the record they refer to)
